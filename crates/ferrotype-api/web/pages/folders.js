// Folders (/folders, Immich's folder view): the folders of the user's originals as a tree
// (`GET /view/folder/unique-paths`, the store's paths as `originalPath` shows them), and a
// folder's page (/folders?path=…): breadcrumbs up to the top, the folders inside it, and the
// photos directly in it (`GET /view/folder?path=`), in the grid the timeline uses.

import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "/api.js";
import { html, setTitle, showPage } from "/ui.js";
import { state } from "/state.js";
import { navigate } from "/router.js";
import { toast } from "/components/toast.js";
import { Header } from "/components/header.js";
import { resultsGrid } from "/components/results-grid.js";

export const STRINGS = {
  photos: "Photos",
  title: "Folders",
  tree: "All folders",
  none: "No folders yet: upload some photos.",
  inside: "Folders inside",
  empty: "No photos directly in this folder.",
  pick: "Choose a folder.",
  cannot: (what, message) => `Cannot load ${what}: ${message}`,
};

export function folderAddress(path) {
  return `/folders?path=${encodeURIComponent(path)}`;
}

/// The folder tree of `paths`: { name, path, children } nodes; every level of each path is a
/// folder (a path's parents hold no photo of their own but are still folders to pass through).
export function folderTree(paths) {
  const root = { name: "", path: "", children: new Map() };
  for (const full of paths) {
    let node = root;
    for (const part of full.split("/").filter(Boolean)) {
      const path = node.path ? `${node.path}/${part}` : part;
      if (!node.children.has(part)) node.children.set(part, { name: part, path, children: new Map() });
      node = node.children.get(part);
    }
  }
  return root;
}

function nodeAt(root, path) {
  let node = root;
  for (const part of path.split("/").filter(Boolean)) {
    node = node.children.get(part);
    if (!node) return null;
  }
  return node;
}

export function foldersPage() {
  state.scope = {};
  const path = (new URLSearchParams(location.search).get("path") || "").replace(/^\/+|\/+$/g, "");
  showPage(html`<${Header} /><${Folders} path=${path} />`);
}

/// The page: the tree beside (below, on a phone), the folder's head, its photos in the grid
/// (mounted into their section once read).
function Folders({ path }) {
  const [root, setRoot] = useState(null);
  const [empty, setEmpty] = useState(false);
  const photos = useRef(null);
  useEffect(() => {
    (async () => {
      let tree;
      try {
        tree = folderTree(await api("GET", "/view/folder/unique-paths"));
      } catch (err) {
        toast(STRINGS.cannot("the folders", err.message), "error");
        return;
      }
      setRoot(tree);
      if (!path) return;
      const here = nodeAt(tree, path);
      setTitle(here ? here.name : STRINGS.title);
      try {
        const assets = await api("GET", `/view/folder?path=${encodeURIComponent(path)}`);
        // Left meanwhile: no grid for a page no longer shown.
        if (!photos.current) return;
        if (!(await resultsGrid(photos.current, async () => ({ items: assets, nextPage: null })))) setEmpty(true);
      } catch (err) {
        toast(STRINGS.cannot("the photos", err.message), "error");
      }
    })();
  }, []);
  const here = root && path ? nodeAt(root, path) : null;
  return html`<main class="page folders-page"><div class="browse-layout">
    <div class="browse-main">
      <div>${root && html`<${FolderHead} root=${root} path=${path} here=${here} />`}</div>
      <section ref=${photos} class="timeline folder-photos" aria-label=${STRINGS.photos}>${empty && html`<p class="empty">${STRINGS.empty}</p>`}</section>
    </div>
    <nav class="folder-tree" aria-label=${STRINGS.tree}>${root && html`<${FolderTree} root=${root} current=${path} />`}</nav>
  </div></main>`;
}

function FolderLink({ node, current }) {
  return html`<a href=${folderAddress(node.path)} aria-current=${current === node.path ? "page" : null}
    onClick=${(e) => (e.preventDefault(), navigate(folderAddress(node.path)))}>${node.name}</a>`;
}

function sorted(node) {
  return [...node.children.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function FolderTree({ root, current }) {
  const branch = (node) =>
    node.children.size
      ? html`<ul>${sorted(node).map((c) => html`<li key=${c.path}><${FolderLink} node=${c} current=${current} />${branch(c)}</li>`)}</ul>`
      : null;
  return html`<h2>${STRINGS.tree}</h2>${root.children.size ? branch(root) : html`<p class="muted">${STRINGS.none}</p>`}`;
}

function FolderHead({ root, path, here }) {
  const parts = path ? path.split("/") : [];
  const crumbs = parts.map((name, i) => ({ name, path: parts.slice(0, i + 1).join("/") }));
  const inside = sorted(here || root);
  return html`<h1>${STRINGS.title}</h1>
    ${path &&
    html`<nav class="breadcrumbs" aria-label="Folder path"><ol>
      <li><a href="/folders" onClick=${(e) => (e.preventDefault(), navigate("/folders"))}>${STRINGS.title}</a></li>
      ${crumbs.map((c, i) => html`<li key=${c.path}>${i === crumbs.length - 1 ? html`<span aria-current="page">${c.name}</span>` : html`<${FolderLink} node=${c} />`}</li>`)}
    </ol></nav>`}
    ${inside.length > 0 &&
    html`<nav class="folder-children" aria-label=${STRINGS.inside}><ul>
      ${inside.map((c) => html`<li key=${c.path}><${FolderLink} node=${c} /></li>`)}
    </ul></nav>`}
    ${!path && root.children.size > 0 && html`<p class="muted">${STRINGS.pick}</p>`}`;
}
