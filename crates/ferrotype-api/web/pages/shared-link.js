// A shared link as its visitor sees it (no account): its password, its photos, downloads and
// uploads when the link allows them.

import { api } from "/api.js";
import { el } from "/dom.js";
import { app, state } from "/state.js";
import { toast } from "/components/toast.js";
import { download } from "/components/download.js";
import { upload, setUpDrop } from "/components/upload.js";
import { drawAlbum, showGrid } from "/components/photo-grid.js";
import { formPage } from "/pages/sign-in.js";

export async function sharePage(credential) {
  const query = credential.key ? `key=${encodeURIComponent(credential.key)}` : `slug=${encodeURIComponent(credential.slug)}`;
  let link;
  try {
    link = await api("GET", `/shared-links/me?${query}`);
  } catch (err) {
    if (err.message === "Password required") return sharePasswordPage(credential, query);
    app.replaceChildren(el("main", { class: "centered" }, el("div", { class: "card" }, el("h1", {}, "This link does not open"), el("p", {}, err.message))));
    return;
  }
  state.user = null;
  state.scope = { link, query };
  const title = link.album ? link.album.albumName : link.description || "Shared photos";
  const timeline = el("section", { class: "timeline", id: "timeline" });
  const picker = el("input", { type: "file", multiple: true, accept: "image/*,video/*", id: "upload-input", hidden: true });
  picker.addEventListener("change", () => upload([...picker.files], `?${query}`).then(() => (picker.value = "")));
  const bar = el("header", { class: "topbar" }, el("span", { class: "brand" }, title), el("span", { class: "spacer" }),
    link.allowUpload ? el("button", { type: "button", id: "upload-button", onclick: () => picker.click() }, "Upload") : null,
    picker,
    link.allowDownload ? el("button", { type: "button", onclick: () => download(link.album ? { albumId: link.album.id } : { assetIds: link.assets.map((a) => a.id) }, `?${query}`).catch((e) => toast(e.message, "error")) }, "Download all") : null);
  const drop = el("div", { class: "dropzone", hidden: true }, "Drop photos and videos to add them");
  app.replaceChildren(bar, el("main", { class: "page" }, link.description ? el("p", {}, link.description) : null, timeline), drop);
  if (link.allowUpload) setUpDrop(drop, `?${query}`);
  if (link.album) {
    await drawAlbum(timeline, `albumId=${link.album.id}&${query}`);
  } else {
    const assets = link.assets.map((a) => ({ id: a.id, ratio: a.width && a.height ? a.width / a.height : 1, thumbhash: a.thumbhash, isImage: a.type === "IMAGE" }));
    showGrid(timeline, [{ key: "link", title: null, count: assets.length, assets }]);
  }
}

export function sharePasswordPage(credential, query) {
  formPage("This link is protected", [["password", "Password", "password"]], "Open", async (v) => {
    try {
      await api("POST", `/shared-links/login?${query}`, { password: v.password });
    } catch (err) {
      throw new Error(err.status === 401 ? "Wrong password" : err.message);
    }
    return sharePage(credential);
  });
}
