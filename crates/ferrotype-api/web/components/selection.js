// The selection and the bar of what can be done with it, as Immich offers it on each page: the
// timeline views (with Unfavourite and Unarchive, so every action can be undone), the trash
// (restore or delete for good), the locked folder, an album (owner's actions only on one's own
// photos), and a shared link's visitor (download, when the link allows it). An action changes
// the grid in place: the months it touched are fetched again, the page keeps its place.
// Ctrl+A selects everything, Escape clears, a day's title selects the day.

import { api } from "/api.js";
import { html, render } from "/ui.js";
import { state } from "/state.js";
import { route, navigate } from "/router.js";
import { toast, guard } from "/components/toast.js";
import { confirmDialog } from "/components/dialog.js";
import { addToAlbumDialog } from "/components/album-picker.js";
import { shareDialog } from "/components/share-dialog.js";
import { download } from "/components/download.js";
import { moveLocked } from "/components/move-locked.js";
import { tagDialog } from "/components/tag-picker.js";

// The bar's words. Each action's icon is named by its key (`icon-<key>`, drawn by app.css), so it
// does not change with the language.
export const STRINGS = {
  bar: "Selection",
  selected: (n) => `${n} selected`,
  clear: "Clear",
  failed: (label) => `${label} failed`,
  download: "Download",
  addToAlbum: "Add to album",
  addedTo: (n, name) => `Added ${n} to ${name}`,
  restore: "Restore",
  restored: "Restored",
  deletePermanently: "Delete permanently",
  deleteForGood: (n) => `Delete ${n === 1 ? "this item" : `these ${n} items`} for good? This cannot be undone.`,
  deletedForGood: "Deleted for good",
  moveOutOfLockedFolder: "Move out of locked folder",
  moveToLockedFolder: "Move to locked folder",
  favorite: "Favorite",
  unfavorite: "Unfavorite",
  favorited: "Added to favorites",
  unfavorited: "Removed from favorites",
  archive: "Archive",
  unarchive: "Unarchive",
  archived: "Archived",
  unarchived: "Unarchived",
  tag: "Tag",
  share: "Share",
  delete: "Delete",
  trashed: "Moved to the trash",
  removeFromAlbum: "Remove from album",
  removed: "Removed from the album",
  cannotSelectAll: "Cannot select everything",
};
const S = STRINGS;

/// The icon of an action, as app.css names it: its key (`removeFromAlbum`: `remove-from-album`).
const iconOf = (key) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function toggleSelected(id, tileNode) {
  if (state.selected.has(id)) state.selected.delete(id);
  else state.selected.add(id);
  state.lastSelected = state.selected.has(id) ? id : null;
  tileNode.classList.toggle("selected", state.selected.has(id));
  renderSelectionBar();
}

/// Shift-click: everything from the last asset selected to this one, in timeline order (months
/// in between are fetched if they were not yet).
export async function selectRange(from, to) {
  const ids = (await state.grid?.between(from, to)) || [to];
  for (const id of ids) state.selected.add(id);
  state.lastSelected = to;
  markTiles();
}

/// A day's photos: selected, or cleared when they all were.
export function selectDay(ids) {
  const all = ids.every((id) => state.selected.has(id));
  for (const id of ids) (all ? state.selected.delete(id) : state.selected.add(id));
  state.lastSelected = all ? null : ids[ids.length - 1];
  markTiles();
}

/// Everything the page's grid holds (its months fetched first).
export async function selectAll() {
  const grid = state.grid;
  if (!grid) return;
  const assets = await grid.allAssets();
  if (grid !== state.grid) return;
  for (const a of assets) state.selected.add(a.id);
  markTiles();
}

export function clearSelection() {
  state.selected.clear();
  state.lastSelected = null;
  markTiles();
}

/// The tiles in the page and the bar follow the selection.
function markTiles() {
  state.grid?.eachTile((node) => node.classList.toggle("selected", state.selected.has(node.dataset.id)));
  renderSelectionBar();
}

/// After an action on `ids`: says `message`, clears the selection and fetches the months that
/// held them again (nothing else on the page is drawn again, nothing moves).
export function changedInPlace(ids, message) {
  if (message) toast(message);
  const grid = state.grid;
  const months = new Set(ids.map((id) => grid?.sectionOf(id)).filter(Boolean));
  clearSelection();
  if (!grid) return route();
  for (const s of months) grid.reload(s);
}

/// The actions for `ids` on the page shown: [its key in STRINGS, what it does], in the bar's order.
function actionsFor(ids) {
  const scope = state.scope;
  const n = ids.length;
  const assets = ids.map((id) => state.grid?.assetOf(id)).filter(Boolean);
  const mine = Boolean(state.user) && assets.length === n && assets.every((a) => a.ownerId === state.user.id);
  const allFavorite = assets.length === n && assets.every((a) => a.isFavorite);
  const forGood = async () => {
    if (!(await confirmDialog(S.deletePermanently, S.deleteForGood(n), S.delete))) return;
    await api("DELETE", "/assets", { ids, force: true });
    changedInPlace(ids, S.deletedForGood);
  };
  const downloadAll = ["download", () => download({ assetIds: ids }, scope.query ? `?${scope.query}` : "")];

  // Picking photos for an album ("Add photos" on its page): adding them is the one action.
  if (scope.addTo) {
    return [["addToAlbum", async () => {
      const added = (await api("PUT", `/albums/${scope.addTo.id}/assets`, { ids })).filter((r) => r.success).length;
      toast(S.addedTo(added, scope.addTo.name));
      clearSelection();
      navigate(`/albums/${scope.addTo.id}`);
    }]];
  }
  // A shared link's visitor: only what the link allows.
  if (scope.link) return scope.link.allowDownload ? [downloadAll] : [];
  if (scope.view === "/trash") {
    return [
      ["restore", async () => {
        await api("POST", "/trash/restore/assets", { ids });
        changedInPlace(ids, S.restored);
      }],
      ["deletePermanently", forGood],
    ];
  }
  // The locked folder's assets are only moved out, downloaded or deleted (as in Immich).
  if (scope.view === "/locked") {
    return [
      ["moveOutOfLockedFolder", async () => (await moveLocked(ids, false)) && changedInPlace(ids)],
      downloadAll,
      ["deletePermanently", forGood],
    ];
  }
  const archived = scope.view === "/archive";
  const owner = mine
    ? [
        [allFavorite ? "unfavorite" : "favorite", async () => {
          await api("PUT", "/assets", { ids, isFavorite: !allFavorite });
          changedInPlace(ids, allFavorite ? S.unfavorited : S.favorited);
        }],
        [archived ? "unarchive" : "archive", async () => {
          await api("PUT", "/assets", { ids, visibility: archived ? "timeline" : "archive" });
          changedInPlace(ids, archived ? S.unarchived : S.archived);
        }],
      ]
    : [];
  return [
    ...owner,
    ["addToAlbum", () => addToAlbumDialog(ids)],
    // Tags are the owner's, on their own photos (Immich's tag access).
    ...(mine ? [["tag", async () => (await tagDialog(ids)) && clearSelection()]] : []),
    ["share", () => shareDialog({ type: "INDIVIDUAL", assetIds: ids })],
    downloadAll,
    // The user's own timeline views (an album's page may hold other users' photos).
    ...(mine && scope.view ? [["moveToLockedFolder", async () => (await moveLocked(ids, true)) && changedInPlace(ids)]] : []),
    ...(mine
      ? [["delete", async () => {
          await api("DELETE", "/assets", { ids });
          changedInPlace(ids, S.trashed);
        }]]
      : []),
    ...(scope.albumId && scope.canEdit
      ? [["removeFromAlbum", async () => {
          await api("DELETE", `/albums/${scope.albumId}/assets`, { ids });
          changedInPlace(ids, S.removed);
        }]]
      : []),
  ];
}

// The bar's host in <body> (the bar is fixed over the page, and outlives none of it: app.js
// clears the selection on each page).
let barHost = null;

/// Draws the bar for the selection as it is now (nothing when it is empty).
export function renderSelectionBar() {
  document.body.classList.toggle("selecting", state.selected.size > 0);
  if (!barHost) {
    barHost = document.createElement("div");
    document.body.append(barHost);
  }
  render(state.selected.size ? html`<${SelectionBar} ids=${[...state.selected]} />` : null, barHost);
}

function SelectionBar({ ids }) {
  // `icon-<key>`: app.css draws the action's icon (only the icon on a phone; the label stays
  // the button's accessible name).
  return html`<div class="selection" role="toolbar" aria-label=${S.bar}>
    <span class="count">${S.selected(ids.length)}</span>
    ${actionsFor(ids).map(([key, fn]) => html`<button type="button" class=${`icon-${iconOf(key)}`}
      onClick=${guard(S.failed(S[key]), fn)}>${S[key]}</button>`)}
    <button type="button" class="quiet icon-clear" onClick=${clearSelection}>${S.clear}</button>
  </div>`;
}

// Ctrl+A (Cmd+A) selects all of the page's grid, Escape clears the selection; not while typing,
// in a dialog, or in the viewer (which has its own keys).
document.addEventListener("keydown", (e) => {
  if (!state.grid || e.target.closest?.("input, textarea, select, [contenteditable]")) return;
  if (document.querySelector("dialog[open], .viewer")) return;
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "a") {
    e.preventDefault();
    guard(S.cannotSelectAll, selectAll)();
  } else if (e.key === "Escape" && state.selected.size) {
    clearSelection();
  }
});
