// The timeline views: all photos, favourites, the archive, the trash and (once unlocked) the
// locked folder; month by month, with the scrubber.

import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { state } from "/state.js";
import { route } from "/router.js";
import { toast, guard } from "/components/toast.js";
import { confirmDialog } from "/components/dialog.js";
import { Header } from "/components/header.js";
import { DropZone } from "/components/upload.js";
import { PhotosMain } from "/components/photos-main.js";
import { monthSections } from "/components/photo-grid.js";
import { changePinDialog } from "/pages/locked.js";
import { TodaysMemories } from "/components/memory-lane.js";

export const STRINGS = {
  restoreAll: "Restore all",
  restoredAll: "Restored everything",
  cannotRestore: "Cannot restore",
  emptyTrash: "Empty trash",
  emptyTrashQuestion: "Delete everything in the trash for good?",
  emptyTrashConfirm: "Empty trash",
  emptying: "The trash is being emptied",
  cannotEmpty: "Cannot empty the trash",
  lock: "Lock",
  locked: "Locked",
  cannotLock: "Cannot lock",
  changePin: "Change PIN code",
  cannotLoad: (message) => `Cannot load the timeline: ${message}`,
};

/// The timeline views: everything, favourites, the archive, the trash, the locked folder (whose
/// page, `lockedPage`, first asks for the PIN code).
export const VIEWS = {
  // Partners shown in the timeline (their choice on the account page) join it, as in Immich.
  // Stacks shown once, as their primary with a count (Immich's `withStacked`).
  "/photos": { query: "visibility=timeline&withPartners=true&withStacked=true", title: null, empty: "No photos yet. Upload some with the button above or drop them here." },
  "/favorites": { query: "isFavorite=true", title: "Favorites", empty: "No favorites yet." },
  "/archive": { query: "visibility=archive", title: "Archive", empty: "Nothing archived." },
  "/trash": { query: "isTrashed=true", title: "Trash", empty: "The trash is empty." },
  "/locked": {
    query: "visibility=locked",
    title: "Locked folder",
    empty: "Photos and videos in the locked folder are hidden and won't show up as you browse or search your library.",
  },
};

/// Draws the view of `path`; resolves once its grid is shown (the viewer opened by an address
/// steps through it).
export function timelinePage(path = "/photos") {
  state.scope = { view: path };
  return new Promise((shown) => showPage(html`<${Header} /><${Timeline} path=${path} onShown=${shown} /><${DropZone} />`));
}

function Timeline({ path, onShown }) {
  const view = VIEWS[path] || VIEWS["/photos"];
  return html`<${PhotosMain} sections=${() => monthSections(`${view.query}&order=desc`)} empty=${view.empty}
      onShown=${onShown} cannotLoad=${STRINGS.cannotLoad}>
    ${view.title && html`<h1 class="view-title">${view.title}</h1>`}
    ${/* Today's memories above the photos (Immich's memory lane), drawn when they come. */ path === "/photos" && html`<${TodaysMemories} />`}
    ${path === "/trash" && html`<${TrashActions} />`}
    ${path === "/locked" && html`<${LockedActions} />`}
  <//>`;
}

function TrashActions() {
  const restore = guard(STRINGS.cannotRestore, async () => {
    await api("POST", "/trash/restore");
    toast(STRINGS.restoredAll);
    route();
  });
  const empty = guard(STRINGS.cannotEmpty, async () => {
    if (!(await confirmDialog(STRINGS.emptyTrash, STRINGS.emptyTrashQuestion, STRINGS.emptyTrashConfirm))) return;
    await api("POST", "/trash/empty");
    toast(STRINGS.emptying);
    route();
  });
  return html`<div class="actions">
    <button type="button" onClick=${restore}>${STRINGS.restoreAll}</button>
    <button type="button" class="quiet" onClick=${empty}>${STRINGS.emptyTrash}</button>
  </div>`;
}

function LockedActions() {
  const lock = guard(STRINGS.cannotLock, async () => {
    await api("POST", "/auth/session/lock");
    toast(STRINGS.locked);
    route();
  });
  return html`<div class="actions">
    <button type="button" onClick=${lock}>${STRINGS.lock}</button>
    <button type="button" class="quiet" onClick=${changePinDialog}>${STRINGS.changePin}</button>
  </div>`;
}
