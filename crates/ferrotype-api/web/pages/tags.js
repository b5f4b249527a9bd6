// Tags (/tags, Immich's tags page): the user's tags as a tree (`GET /tags`; a tag's value is its
// path, `Parent/Child`), Create tag (a path makes the levels above it too, `PUT /tags`), and a
// tag's page (/tags?id=…): its path as breadcrumbs, the tags inside it, its colour (`PUT
// /tags/{id}`), Delete (it and the tags inside it), and its photos month by month
// (`/timeline/buckets?tagId=`). Immich's API renames no tag (its update takes the colour only), so
// neither does this page.

import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "/api.js";
import { html, setTitle, showPage } from "/ui.js";
import { state } from "/state.js";
import { navigate, route } from "/router.js";
import { toast } from "/components/toast.js";
import { Header } from "/components/header.js";
import { Modal, Confirm } from "/components/modal.js";
import { monthSections, showGrid } from "/components/photo-grid.js";
import { Swatch, tagAddress } from "/components/tag-picker.js";

export const STRINGS = {
  photos: "Photos",
  title: "Tags",
  tree: "All tags",
  none: "No tags yet. Create one, or select photos and choose “Tag”.",
  create: "Create tag",
  name: "Name",
  nameHint: "Parent/Child makes a tag inside another",
  color: "Colour",
  noColor: "No colour",
  save: "Save colour",
  remove: "Delete",
  confirmDelete: (value) => `Delete the tag “${value}” and the tags inside it? The photos stay.`,
  deleted: "Tag deleted",
  empty: "No photos with this tag.",
  inside: "Tags inside",
  notFound: "This tag does not exist.",
  cannot: (what, message) => `Cannot ${what}: ${message}`,
};

export function tagsPage() {
  state.scope = {};
  const id = new URLSearchParams(location.search).get("id");
  showPage(html`<${Header} /><${Tags} id=${id} />`);
}

/// The page: the tree beside (below, on a phone), the tag's head, its photos month by month in
/// the grid (mounted into their section once read).
function Tags({ id }) {
  const [tags, setTags] = useState(null);
  const [empty, setEmpty] = useState(false);
  const photos = useRef(null);
  useEffect(() => {
    (async () => {
      let all;
      try {
        all = await api("GET", "/tags");
      } catch (err) {
        toast(STRINGS.cannot("load the tags", err.message), "error");
        return;
      }
      setTags(all);
      const tag = id ? all.find((t) => t.id === id) : null;
      if (!tag) return;
      setTitle(tag.value);
      try {
        const sections = await monthSections(`tagId=${encodeURIComponent(tag.id)}&order=desc`);
        // Left meanwhile: no grid for a page no longer shown.
        if (!photos.current) return;
        if (!sections.length) setEmpty(true);
        showGrid(photos.current, sections);
      } catch (err) {
        toast(STRINGS.cannot("load the photos", err.message), "error");
      }
    })();
  }, []);
  const tag = tags && id ? tags.find((t) => t.id === id) : null;
  return html`<main class="page tags-page"><div class="browse-layout">
    <div class="browse-main">
      <div>${tags && html`<${TagHead} tags=${tags} tag=${tag} missing=${Boolean(id && !tag)} />`}</div>
      <section ref=${photos} class="timeline tag-photos" aria-label=${STRINGS.photos}>${empty && html`<p class="empty">${STRINGS.empty}</p>`}</section>
    </div>
    <nav class="tag-tree" aria-label=${STRINGS.tree}>${tags && html`<${TagTree} tags=${tags} current=${tag} />`}</nav>
  </div></main>`;
}

/// The tags below `parentId` (null: the top level), by value.
function childrenOf(tags, parentId) {
  return tags.filter((t) => (t.parentId || null) === parentId).sort((a, b) => a.value.localeCompare(b.value));
}

function TagLink({ tag, label, current }) {
  return html`<a href=${tagAddress(tag)} aria-current=${current?.id === tag.id ? "page" : null}
    onClick=${(e) => (e.preventDefault(), navigate(tagAddress(tag)))}><${Swatch} color=${tag.color} />${label ?? tag.name}</a>`;
}

function TagTree({ tags, current }) {
  const branch = (parentId) => {
    const list = childrenOf(tags, parentId);
    return list.length
      ? html`<ul>${list.map((t) => html`<li key=${t.id}><${TagLink} tag=${t} current=${current} />${branch(t.id)}</li>`)}</ul>`
      : null;
  };
  return html`<h2>${STRINGS.tree}</h2>${tags.length ? branch(null) : html`<p class="muted">${STRINGS.none}</p>`}`;
}

function TagHead({ tags, tag, missing }) {
  const [dialog, setDialog] = useState(null); // "create" | "delete"
  const [color, setColor] = useState(tag?.color || "#4250af");
  const act = (what, fn) => async (...args) => {
    try {
      await fn(...args);
    } catch (err) {
      toast(STRINGS.cannot(what, err.message), "error");
    }
  };
  const create = act("create the tag", async (data) => {
    const value = String(data.get("name") || "").trim().replace(/^\/+|\/+$/g, "");
    if (!value) return;
    const made = (await api("PUT", "/tags", { tags: [value] })).find((t) => t.value === value);
    const picked = data.get("color");
    if (made && data.get("withColor") && picked) await api("PUT", `/tags/${made.id}`, { color: picked });
    setDialog(null);
    navigate(made ? tagAddress(made) : "/tags");
  });
  const recolor = act("change the colour", async (value) => {
    await api("PUT", `/tags/${tag.id}`, { color: value });
    route();
  });
  const remove = act("delete the tag", async () => {
    await api("DELETE", `/tags/${tag.id}`);
    setDialog(null);
    toast(STRINGS.deleted);
    navigate("/tags");
  });
  // The breadcrumbs: each level of the path above the tag, as a link when it is a tag.
  const crumbs = [];
  for (let t = tag; t; t = tags.find((x) => x.id === t.parentId)) crumbs.unshift(t);
  const inside = tag ? childrenOf(tags, tag.id) : [];
  return html`<div class="page-head">
      <h1>${STRINGS.title}</h1>
      <button type="button" onClick=${() => setDialog("create")}>${STRINGS.create}</button>
    </div>
    ${missing && html`<p class="empty">${STRINGS.notFound}</p>`}
    ${tag &&
    html`<nav class="breadcrumbs" aria-label="Tag path"><ol>
        <li><a href="/tags" onClick=${(e) => (e.preventDefault(), navigate("/tags"))}>${STRINGS.title}</a></li>
        ${crumbs.map((t) => html`<li key=${t.id}>${t.id === tag.id ? html`<span aria-current="page">${t.name}</span>` : html`<${TagLink} tag=${t} />`}</li>`)}
      </ol></nav>
      <h2 class="view-title"><${Swatch} color=${tag.color} />${tag.value}</h2>
      <div class="actions tag-actions">
        <label class="color-pick">${STRINGS.color}
          <input type="color" name="color" value=${color} onInput=${(e) => setColor(e.currentTarget.value)} />
        </label>
        <button type="button" onClick=${() => recolor(color)}>${STRINGS.save}</button>
        ${tag.color && html`<button type="button" class="quiet" onClick=${() => recolor(null)}>${STRINGS.noColor}</button>`}
        <button type="button" class="quiet" onClick=${() => setDialog("delete")}>${STRINGS.remove}</button>
      </div>
      ${inside.length > 0 &&
      html`<nav class="tag-children" aria-label=${STRINGS.inside}><ul>
        ${inside.map((t) => html`<li key=${t.id}><${TagLink} tag=${t} /></li>`)}
      </ul></nav>`}`}
    ${dialog === "create" &&
    html`<${Modal} title=${STRINGS.create} onClose=${() => setDialog(null)}>
      <form class="stack" onSubmit=${(e) => (e.preventDefault(), create(new FormData(e.currentTarget)))}>
        <label>${STRINGS.name}
          <input name="name" required value=${tag ? `${tag.value}/` : ""} placeholder=${STRINGS.nameHint} />
        </label>
        <label class="check-line"><input type="checkbox" name="withColor" value="1" />${STRINGS.color}</label>
        <input type="color" name="color" aria-label=${STRINGS.color} value="#4250af" />
        <div class="actions">
          <button type="button" class="quiet" onClick=${() => setDialog(null)}>Cancel</button>
          <button type="submit">${STRINGS.create}</button>
        </div>
      </form>
    <//>`}
    ${dialog === "delete" &&
    html`<${Confirm} title=${STRINGS.remove} message=${STRINGS.confirmDelete(tag.value)} confirmLabel=${STRINGS.remove} danger
      onConfirm=${remove} onClose=${() => setDialog(null)} />`}`;
}
