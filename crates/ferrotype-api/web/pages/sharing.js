// The user's shared links, each with its address, what it allows, and Revoke.

import { useEffect, useState } from "preact/hooks";
import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { toast } from "/components/toast.js";
import { Header } from "/components/header.js";

export const STRINGS = {
  title: "Shared links",
  none: "No shared links. Select photos or open an album and choose Share.",
  album: (name) => `Album: ${name}`,
  items: (n) => `${n} items`,
  password: "password",
  expires: (date) => `expires ${date}`,
  noExpiry: "no expiry",
  downloads: "downloads",
  noDownloads: "no downloads",
  uploads: "uploads",
  sharedPhotos: "Shared photos",
  revoke: "Revoke",
  revoked: "Link revoked",
};

export function sharingPage() {
  showPage(html`<${Header} /><${Sharing} />`);
}

function Sharing() {
  const [links, setLinks] = useState(null);
  const load = () => api("GET", "/shared-links").then(setLinks, (err) => (toast(err.message, "error"), setLinks([])));
  useEffect(() => void load(), []);
  const revoke = async (link) => {
    try {
      await api("DELETE", `/shared-links/${link.id}`);
      toast(STRINGS.revoked);
      load();
    } catch (err) {
      toast(err.message, "error");
    }
  };
  return html`<main class="page">
    <h1>${STRINGS.title}</h1>
    <ul class="links">
      ${links?.length === 0 && html`<li class="empty">${STRINGS.none}</li>`}
      ${links?.map((link) => html`<${LinkCard} key=${link.id} link=${link} onRevoke=${() => revoke(link)} />`)}
    </ul>
  </main>`;
}

function LinkCard({ link, onRevoke }) {
  const url = `${location.origin}${link.slug ? `/s/${link.slug}` : `/share/${link.key}`}`;
  const facts = [
    link.album ? STRINGS.album(link.album.albumName) : STRINGS.items(link.assets.length),
    link.password ? STRINGS.password : null,
    link.expiresAt ? STRINGS.expires(new Date(link.expiresAt).toLocaleDateString()) : STRINGS.noExpiry,
    link.allowDownload ? STRINGS.downloads : STRINGS.noDownloads,
    link.allowUpload ? STRINGS.uploads : null,
  ].filter(Boolean);
  return html`<li class="card link">
    <strong>${link.description || (link.album ? link.album.albumName : STRINGS.sharedPhotos)}</strong>
    <a href=${url} class="share-url">${url}</a>
    <span class="muted">${facts.join(" · ")}</span>
    <button type="button" class="quiet" onClick=${onRevoke}>${STRINGS.revoke}</button>
  </li>`;
}
