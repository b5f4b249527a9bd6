// The viewer over the page (Immich's asset viewer): a photo or video at a time, stepping through
// the page's grid by keyboard, buttons, swipes or a slideshow; its address in the history (Back
// closes it); a toolbar of the actions that work for this photo on this page, with Immich's
// keyboard shortcuts; the details as a column beside the photo (a bottom sheet on phones).

import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "/api.js";
import { html, render, signal } from "/ui.js";
import { state, linkQuery } from "/state.js";
import { route } from "/router.js";
import { toast, guard } from "/components/toast.js";
import { confirmDialog } from "/components/dialog.js";
import { addToAlbumDialog } from "/components/album-picker.js";
import { shareDialog } from "/components/share-dialog.js";
import { moveLocked } from "/components/move-locked.js";
import { Icon } from "/components/icons.js";
import { ViewerDetails } from "/components/viewer-details.js";
import { openEditor } from "/components/editor.js";

/// The open viewer and the browser's history: `close` closes it (`.from`: the address it was
/// opened from), `ignorePop` marks its own history.back() on close, `afterPop` is what that
/// close does once the back() has landed.
export const viewerHistory = { close: null, ignorePop: false, afterPop: null };

/// A slideshow's step, as Immich's default.
export const SLIDE_MS = 5000;

export async function openViewer(id) {
  viewerHistory.close?.(true);
  document.querySelector(".viewer-host")?.remove();
  const host = document.createElement("div");
  host.className = "viewer-host";
  document.body.append(host);

  // What the view draws: the id being shown (set at once on a step), its asset once fetched,
  // the details open, the slideshow ("off", "playing", "paused"), the "More" menu open, and a
  // counter that makes the details fetch the photo's albums again.
  const current = signal(id);
  const asset = signal(null);
  const info = signal(false);
  const slideshow = signal("off");
  const menu = signal(false);
  const albumsVersion = signal(0);

  // The viewer's addresses are under the page's own: /locked/photos/<id> in the locked folder.
  const home = state.scope.view === "/locked" ? "/locked" : "/photos";
  // Opening from a page adds the photo's address to the history (Back closes the viewer); one
  // opened by its address was drawn over its page, where closing leaves it. `then` runs once
  // the address is the page's again.
  const from = location.pathname + location.search;
  let pushed = false;
  const close = (fromHistory = false, then = null) => {
    stopSlideshow();
    render(null, host);
    host.remove();
    document.removeEventListener("keydown", keys);
    viewerHistory.close = null;
    // Back in the grid where the viewer left off.
    state.grid?.scrollToAsset(current.value);
    if (fromHistory || state.scope.query) return then?.();
    if (pushed) {
      viewerHistory.ignorePop = true;
      viewerHistory.afterPop = then;
      history.back();
    } else {
      if (location.pathname !== home) history.replaceState(null, "", home);
      then?.();
    }
  };
  viewerHistory.close = close;
  viewerHistory.close.from = from.includes("/photos/") ? home : from;

  // The asset shown last, once its month is known to the grid (stepping waits for it).
  let shown = Promise.resolve();
  const step = async (delta) => {
    await shown;
    // A stack's other assets are not in the grid: step from its primary, which is.
    const grid = state.grid;
    const primary = asset.value?.stack?.primaryAssetId;
    const from = grid && primary && !(await grid.place(current.value)) ? primary : current.value;
    const next = await grid?.neighbour(from, delta);
    if (next) shown = show(next.id);
    return Boolean(next);
  };

  async function show(assetId) {
    current.value = assetId;
    menu.value = false;
    if (!state.scope.query) {
      const address = `${home === "/locked" ? "/locked" : ""}/photos/${assetId}`;
      if (!pushed && !from.includes("/photos/")) {
        history.pushState(null, "", address);
        pushed = true;
      } else {
        history.replaceState(null, "", address);
      }
    }
    let fetched;
    try {
      fetched = await api("GET", `/assets/${assetId}${linkQuery("?")}`);
    } catch (err) {
      toast(`Cannot open this asset: ${err.message}`, "error");
      return;
    }
    if (current.value !== assetId) return;
    // Opened by its address (/photos/<id>): fetch its month so the viewer can step from it.
    await state.grid?.loadMonthOf(assetId, fetched.localDateTime);
    if (current.value === assetId) asset.value = fetched;
  }

  // The slideshow steps through the grid's order, and stops at its end.
  let slideTimer = 0;
  const nextSlide = () => {
    clearTimeout(slideTimer);
    if (slideshow.value !== "playing") return;
    slideTimer = setTimeout(async () => {
      if (slideshow.value !== "playing") return;
      if (await step(1)) nextSlide();
      else stopSlideshow();
    }, SLIDE_MS);
  };
  const startSlideshow = () => {
    info.value = false;
    slideshow.value = "playing";
    nextSlide();
  };
  function stopSlideshow() {
    clearTimeout(slideTimer);
    slideshow.value = "off";
  }
  const toggleSlideshowPause = () => {
    slideshow.value = slideshow.value === "playing" ? "paused" : "playing";
    nextSlide();
  };

  /// Runs an action on the asset shown, then brings the grid up to date in place (the
  /// asset's month fetched again) and, when the asset has left the page's view (trashed,
  /// archived from the timeline, unfavourited among the favourites...), shows the next one.
  /// `fn` answers the asset as it is now, `"gone"`, or false when the user cancelled.
  const act = (what, fn) =>
    guard(what, async () => {
      const id = current.value;
      const before = asset.value;
      if (!before || before.id !== id) return;
      menu.value = false;
      const grid = state.grid;
      // The neighbour is found before the grid forgets the asset.
      const next = grid ? (await grid.neighbour(id, 1)) || (await grid.neighbour(id, -1)) : null;
      const result = await fn(before);
      if (result === false) return;
      let stays = result !== "gone";
      const section = grid?.sectionOf(id, before.localDateTime);
      if (grid && grid === state.grid && section?.load) {
        await grid.reload(section);
        stays = stays && Boolean(await grid.place(id));
      }
      if (current.value !== id) return;
      if (stays) {
        if (result && typeof result === "object") asset.value = result;
        return;
      }
      // Gone from here: the next photo, or the page (drawn again: it may be empty now).
      if (next && next.id !== id) shown = show(next.id);
      else close(false, route);
    });

  const put = (change) => (a) => api("PUT", `/assets/${a.id}`, change);
  const trash = async (a) => {
    await api("DELETE", "/assets", { ids: [a.id] });
    toast("Moved to the trash");
    return "gone";
  };
  const deleteForGood = async (a) => {
    const ok = await confirmDialog(
      "Delete permanently",
      "Are you sure you want to permanently delete this asset? This action cannot be undone.",
      "Delete",
    );
    if (!ok) return false;
    await api("DELETE", "/assets", { ids: [a.id], force: true });
    toast("Permanently deleted");
    return "gone";
  };
  const actions = {
    favorite: act("Cannot change the favorite", async (a) => {
      const updated = await put({ isFavorite: !a.isFavorite })(a);
      toast(updated.isFavorite ? "Added to favorites" : "Removed from favorites");
      return updated;
    }),
    archive: act("Cannot change the archive", async (a) => {
      const updated = await put({ visibility: a.visibility === "archive" ? "timeline" : "archive" })(a);
      toast(updated.visibility === "archive" ? "Archived" : "Unarchived");
      return updated;
    }),
    // The locked folder keeps no trash (as its selection bar): deleting there is for good.
    delete: act("Cannot delete", (a) => (a.isTrashed || a.visibility === "locked" ? deleteForGood(a) : trash(a))),
    deleteForGood: act("Cannot delete", deleteForGood),
    restore: act("Cannot restore", async (a) => {
      await api("POST", "/trash/restore/assets", { ids: [a.id] });
      toast("Restored");
      return api("GET", `/assets/${a.id}`);
    }),
    lock: act("Cannot move it", async (a) => {
      if (!(await moveLocked([a.id], a.visibility !== "locked"))) return false;
      return "gone";
    }),
    removeFromAlbum: act("Cannot remove it from the album", async (a) => {
      await api("DELETE", `/albums/${state.scope.albumId}/assets`, { ids: [a.id] });
      toast("Removed from the album");
      return "gone";
    }),
    addToAlbum: guard("Cannot add to an album", () => {
      menu.value = false;
      return addToAlbumDialog([current.value], () => (albumsVersion.value += 1));
    }),
    share: guard("Cannot share", () => shareDialog({ type: "INDIVIDUAL", assetIds: [current.value] })),
    info: () => (info.value = !info.value),
    slideshow: () => (slideshow.value === "off" ? startSlideshow() : stopSlideshow()),
  };

  // Immich's shortcuts; not while typing in a field, nor under a dialog (the locked folder's
  // confirmation, the album picker), nor with Ctrl, Alt or Meta (the browser's own).
  const keys = (e) => {
    if (document.querySelector("dialog[open]")) return;
    if (e.target.closest?.("input, textarea, select, [contenteditable]")) return;
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    const offered = offeredActions(asset.value);
    const run = (name) => offered.has(name) && (e.preventDefault(), actions[name]());
    if (e.key === "ArrowRight") step(1);
    else if (e.key === "ArrowLeft") step(-1);
    else if (e.key === "Escape") {
      if (menu.value) menu.value = false;
      else if (slideshow.value !== "off") stopSlideshow();
      else close();
    } else if (e.key === "Delete") run(e.shiftKey || !offered.has("delete") ? "deleteForGood" : "delete");
    else if (e.key === "i") run("info");
    else if (e.key === "f") run("favorite");
    else if (e.key === "a") run("archive");
    else if (e.key === "s") run("slideshow");
  };
  document.addEventListener("keydown", keys);

  /// An edit in the details: the viewer shows the server's answer; a new date moves the photo
  /// to another month, so both months are fetched again (in place).
  const saved = (updated) => {
    const before = asset.value;
    if (before?.id !== updated.id) return;
    asset.value = updated;
    const grid = state.grid;
    if (!grid || before.localDateTime === updated.localDateTime) return;
    const months = new Set([grid.sectionOf(before.id, before.localDateTime), grid.sectionOf(null, updated.localDateTime)]);
    for (const s of months) if (s?.load) grid.reload(s);
  };

  const view = { current, asset, info, slideshow, menu, albumsVersion, actions, step, close, toggleSlideshowPause, saved, open: (id) => (shown = show(id)) };
  render(html`<${Viewer} view=${view} />`, host);
  shown = show(id);
  await shown;
}

/// The actions offered for `asset` on the page shown: a shared link's visitor downloads (when
/// the link allows it) and reads the details; the trash restores or deletes for good; someone
/// else's photo (in a shared album) gets no owner's actions; the locked folder's photos are
/// not shared, archived or put in albums (as in Immich).
export function offeredActions(asset) {
  const offered = new Set(["info"]);
  const link = state.scope.link;
  if (!asset) return offered;
  if (link) {
    if (link.allowDownload) offered.add("download");
    return offered;
  }
  offered.add("download");
  const owner = state.user && asset.ownerId === state.user.id;
  if (!owner) return offered.add("slideshow");
  if (asset.isTrashed) return offered.add("restore").add("deleteForGood");
  for (const name of ["favorite", "delete", "deleteForGood", "slideshow", "lock"]) offered.add(name);
  if (asset.visibility !== "locked") for (const name of ["share", "archive", "addToAlbum"]) offered.add(name);
  // On an album's page, for those who may change it (as its selection bar).
  if (state.scope.albumId && state.scope.canEdit) offered.add("removeFromAlbum");
  return offered;
}

function Viewer({ view }) {
  const { current, asset, info, slideshow, menu, albumsVersion, actions, step, close, toggleSlideshowPause, saved, open } = view;
  const a = asset.value?.id === current.value ? asset.value : null;
  const offered = offeredActions(a);
  const owner = Boolean(a && state.user && a.ownerId === state.user.id && !state.scope.link);
  // Swipe left or right on touch screens.
  const touchX = useRef(null);
  // The keyboard's focus moves into the viewer (off the tile behind it) when it opens.
  const root = useRef(null);
  useEffect(() => root.current?.focus({ preventScroll: true }), []);
  const button = (name, label, icon, extra = {}) =>
    offered.has(name) &&
    html`<button type="button" class=${`icon-button ${extra.class || ""}`} aria-label=${label} title=${extra.title || label}
      aria-pressed=${extra.pressed} onClick=${actions[name]}><${Icon} name=${icon} /></button>`;
  const item = (name, label, icon) =>
    offered.has(name) &&
    html`<button type="button" role="menuitem" onClick=${() => ((menu.value = false), actions[name]())}><${Icon} name=${icon} /><span>${label}</span></button>`;
  const locked = a?.visibility === "locked";
  const more = [
    item("slideshow", slideshow.value === "off" ? "Slideshow" : "Stop slideshow", "slideshow"),
    item("addToAlbum", "Add to album", "album"),
    item("removeFromAlbum", "Remove from album", "album"),
    item("archive", a?.visibility === "archive" ? "Unarchive" : "Archive", a?.visibility === "archive" ? "unarchive" : "archive"),
    item("lock", locked ? "Move out of locked folder" : "Move to locked folder", locked ? "unlock" : "lock"),
    a && !a.isTrashed && !locked && item("deleteForGood", "Delete permanently", "trash"),
  ].filter(Boolean);
  const link = state.scope.link;
  return html`<div class=${`viewer${info.value ? " with-info" : ""}${slideshow.value !== "off" ? " in-slideshow" : ""}`}
    role="dialog" aria-modal="true" aria-label="Photo viewer" data-id=${current.value} tabindex="-1" ref=${root}
    onClick=${(e) => menu.value && !e.target.closest(".viewer-more") && (menu.value = false)}>
    <div class="viewer-stage">
      <div class="viewer-bar" role="toolbar" aria-label="Photo actions">
        <button type="button" class="icon-button" aria-label="Close" title="Close" onClick=${() => close()}><${Icon} name="close" /></button>
        <span class="spacer"></span>
        ${slideshow.value !== "off" &&
        html`<button type="button" class="icon-button" aria-label=${slideshow.value === "playing" ? "Pause slideshow" : "Play slideshow"}
          title=${slideshow.value === "playing" ? "Pause slideshow" : "Play slideshow"} onClick=${toggleSlideshowPause}>
          <${Icon} name=${slideshow.value === "playing" ? "pause" : "play"} /></button>`}
        ${button("share", "Share", "share")}
        ${offered.has("download") &&
        html`<a class="icon-button" id="download-original" aria-label="Download" title="Download"
          href=${`/api/assets/${current.value}/original?edited=true${linkQuery()}`} download=${a?.originalFileName || ""}><${Icon} name="download" /></a>`}
        ${owner && a.type === "IMAGE" && !a.isTrashed && !a.livePhotoVideoId &&
        html`<button type="button" class="icon-button" aria-label="Edit" title="Edit"
          onClick=${guard("Cannot open the editor", () => openEditor(a, saved))}><${Icon} name="edit" /></button>`}
        ${button("info", "Info", "info", { class: "info-button", pressed: info.value ? "true" : "false" })}
        ${button("favorite", a?.isFavorite ? "Unfavorite" : "Favorite", a?.isFavorite ? "heartFilled" : "heart", { pressed: a?.isFavorite ? "true" : "false" })}
        ${button("restore", "Restore", "restore")}
        ${a?.isTrashed ? button("deleteForGood", "Delete permanently", "trash") : button("delete", locked ? "Delete permanently" : "Delete", "trash")}
        ${more.length > 0 &&
        html`<div class="viewer-more">
          <button type="button" class="icon-button" aria-label="More" title="More" aria-haspopup="menu" aria-expanded=${menu.value ? "true" : "false"}
            onClick=${() => (menu.value = !menu.value)}><${Icon} name="more" /></button>
          ${menu.value && html`<div class="viewer-menu" role="menu">${more}</div>`}
        </div>`}
      </div>
      <button type="button" class="nav prev" aria-label="Previous" onClick=${() => step(-1)}>‹</button>
      <div class="media"
        onTouchStart=${(e) => (touchX.current = e.touches[0].clientX)}
        onTouchEnd=${(e) => {
          if (touchX.current === null) return;
          const dx = e.changedTouches[0].clientX - touchX.current;
          if (Math.abs(dx) > 50) step(dx < 0 ? 1 : -1);
          touchX.current = null;
        }}>
        ${a && html`<${Media} key=${a.id} asset=${a} />`}
      </div>
      <button type="button" class="nav next" aria-label="Next" onClick=${() => step(1)}>›</button>
      ${a?.stack && !link && html`<${StackStrip} key=${a.stack.id} stack=${a.stack} current=${a.id} open=${open} />`}
    </div>
    ${info.value && a &&
    html`<${ViewerDetails} asset=${a} editable=${owner && !a.isTrashed} albums=${!link} albumsVersion=${albumsVersion.value}
      onSaved=${saved} />`}
  </div>`;
}

/// The photo (zoom: a click doubles it around the point clicked, another click undoes it) or
/// the video. A preview that fails says so instead of the browser's broken-image icon.
function Media({ asset }) {
  const [failed, setFailed] = useState(false);
  const [zoom, setZoom] = useState(null); // the point zoomed around, "x% y%"
  const id = asset.id;
  if (asset.type === "VIDEO") {
    return html`<video src=${`/api/assets/${id}/video/playback${linkQuery("?")}`} controls autoplay
      poster=${`/api/assets/${id}/thumbnail?size=preview${linkQuery()}`}></video>`;
  }
  if (failed) {
    return html`<p class="preview-failed" role="img" aria-label=${asset.originalFileName}>This photo has no preview yet, or it cannot be shown.</p>`;
  }
  return html`<img class=${`preview${zoom ? " zoomed" : ""}`} alt=${asset.originalFileName}
    src=${`/api/assets/${id}/thumbnail?size=preview&edited=true&c=${encodeURIComponent(asset.thumbhash || "")}${linkQuery()}`}
    style=${zoom ? { transformOrigin: zoom } : {}}
    onError=${() => setFailed(true)}
    onClick=${(e) => {
      if (zoom) return setZoom(null);
      const r = e.currentTarget.getBoundingClientRect();
      setZoom(`${((e.clientX - r.left) / r.width) * 100}% ${((e.clientY - r.top) / r.height) * 100}%`);
    }} />`;
}

/// A stack's assets as a strip of thumbnails under the photo (Immich's stack slider): the one
/// shown marked, another opened by a click.
function StackStrip({ stack, current, open }) {
  const [assets, setAssets] = useState(null);
  useEffect(() => {
    api("GET", `/stacks/${stack.id}`).then((s) => setAssets(s.assets), () => setAssets(null));
  }, [stack.id, stack.primaryAssetId, stack.assetCount]);
  if (!assets || assets.length < 2) return null;
  return html`<nav class="stack-strip" aria-label=${`Stack of ${assets.length}`}>
    ${assets.map(
      (s) => html`<button type="button" key=${s.id} class=${`stack-thumb${s.id === current ? " current" : ""}`}
        aria-label=${s.originalFileName} aria-current=${s.id === current ? "true" : undefined} title=${s.originalFileName}
        onClick=${() => s.id !== current && open(s.id)}>
        <img alt="" src=${`/api/assets/${s.id}/thumbnail?size=thumbnail`} />
        ${s.id === stack.primaryAssetId && html`<span class="stack-primary" aria-hidden="true">★</span>`}
      </button>`,
    )}
  </nav>`;
}
