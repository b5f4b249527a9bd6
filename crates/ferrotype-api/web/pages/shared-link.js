// A shared link as its visitor sees it (no account): its password, its photos, downloads and
// uploads when the link allows them.

import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { state } from "/state.js";
import { guard } from "/components/toast.js";
import { download } from "/components/download.js";
import { UploadButton, DropZone } from "/components/upload.js";
import { PhotosMain } from "/components/photos-main.js";
import { monthSections } from "/components/photo-grid.js";
import { FormPage } from "/pages/sign-in.js";

export const STRINGS = {
  cannotOpen: "This link does not open",
  sharedPhotos: "Shared photos",
  downloadAll: "Download all",
  cannotDownload: "Cannot download",
  drop: "Drop photos and videos to add them",
  empty: "Nothing here yet.",
  protected: "This link is protected",
  password: "Password",
  open: "Open",
  wrongPassword: "Wrong password",
};

export async function sharePage(credential) {
  const query = credential.key ? `key=${encodeURIComponent(credential.key)}` : `slug=${encodeURIComponent(credential.slug)}`;
  let link;
  try {
    link = await api("GET", `/shared-links/me?${query}`);
  } catch (err) {
    if (err.message === "Password required") return sharePasswordPage(credential, query);
    showPage(html`<main class="centered"><div class="card"><h1>${STRINGS.cannotOpen}</h1><p>${err.message}</p></div></main>`);
    return;
  }
  state.user = null;
  state.scope = { link, query };
  showPage(html`<${SharedLink} link=${link} query=${query} />`);
}

function SharedLink({ link, query }) {
  const title = link.album ? link.album.albumName : link.description || STRINGS.sharedPhotos;
  const downloadAll = guard(STRINGS.cannotDownload, () =>
    download(link.album ? { albumId: link.album.id } : { assetIds: link.assets.map((a) => a.id) }, `?${query}`));
  // An album's photos month by month; a link of chosen photos, one untitled section.
  const sections = () => {
    if (link.album) return monthSections(`albumId=${link.album.id}&${query}`);
    const assets = link.assets.map((a) => ({ id: a.id, ratio: a.width && a.height ? a.width / a.height : 1, thumbhash: a.thumbhash, isImage: a.type === "IMAGE" }));
    return [{ key: "link", title: null, count: assets.length, assets }];
  };
  return html`<header class="topbar">
      <span class="brand">${title}</span>
      <span class="spacer"></span>
      ${link.allowUpload && html`<${UploadButton} query=${`?${query}`} />`}
      ${link.allowDownload && html`<button type="button" onClick=${downloadAll}>${STRINGS.downloadAll}</button>`}
    </header>
    <${PhotosMain} class="page" scrubber=${false} sections=${sections} empty=${link.album ? STRINGS.empty : null}
      head=${link.description && html`<p>${link.description}</p>`} />
    ${link.allowUpload && html`<${DropZone} query=${`?${query}`} label=${STRINGS.drop} />`}`;
}

export function sharePasswordPage(credential, query) {
  const open = async (v) => {
    try {
      await api("POST", `/shared-links/login?${query}`, { password: v.password });
    } catch (err) {
      throw new Error(err.status === 401 ? STRINGS.wrongPassword : err.message);
    }
    return sharePage(credential);
  };
  showPage(html`<${FormPage} title=${STRINGS.protected} fields=${[["password", STRINGS.password, "password"]]} submitLabel=${STRINGS.open} onSubmit=${open} />`);
}
