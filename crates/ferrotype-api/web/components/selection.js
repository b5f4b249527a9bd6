// The selection and the bar of what can be done with it on the page shown.

import { api } from "/api.js";
import { el } from "/dom.js";
import { state } from "/state.js";
import { route } from "/router.js";
import { toast, guard } from "/components/toast.js";
import { confirmDialog } from "/components/dialog.js";
import { addToAlbumDialog } from "/components/album-picker.js";
import { shareDialog } from "/components/share-dialog.js";
import { download } from "/components/download.js";
import { moveLocked } from "/components/move-locked.js";

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
  state.grid?.eachTile((node) => node.classList.toggle("selected", state.selected.has(node.dataset.id)));
  renderSelectionBar();
}

export function renderSelectionBar() {
  document.querySelector(".selection")?.remove();
  document.body.classList.toggle("selecting", state.selected.size > 0);
  if (!state.selected.size) return;
  const ids = () => [...state.selected];
  const done = (message) => {
    toast(message);
    state.selected.clear();
    route();
  };
  // `icon-<label>`: app.css draws the action's icon (only the icon on a phone; the label stays
  // the button's accessible name).
  const act = (label, fn) =>
    el("button", { type: "button", class: `icon-${label.toLowerCase().replaceAll(" ", "-")}`, onclick: guard(`${label} failed`, fn) }, label);
  const view = state.scope.view;
  // The locked folder's assets are only moved out, downloaded or deleted (as in Immich).
  const actions = view === "/locked"
    ? [
        act("Move out of locked folder", async () => {
          if (!(await moveLocked(ids(), false))) return;
          state.selected.clear();
          route();
        }),
        act("Download", () => download({ assetIds: ids() })),
        act("Delete permanently", async () => {
          if (!(await confirmDialog("Delete permanently", `Delete ${state.selected.size} for good?`, "Delete"))) return;
          await api("DELETE", "/assets", { ids: ids(), force: true });
          done("Deleted for good");
        }),
      ]
    : [
        ...(view === "/trash"
          ? [
              act("Restore", async () => {
                await api("POST", "/trash/restore/assets", { ids: ids() });
                done("Restored");
              }),
              act("Delete permanently", async () => {
                if (!confirm(`Delete ${state.selected.size} for good?`)) return;
                await api("DELETE", "/assets", { ids: ids(), force: true });
                done("Deleted for good");
              }),
            ]
          : []),
        act("Favorite", async () => {
          await api("PUT", "/assets", { ids: ids(), isFavorite: true });
          done("Added to favorites");
        }),
        act("Archive", async () => {
          await api("PUT", "/assets", { ids: ids(), visibility: "archive" });
          done("Archived");
        }),
        act("Add to album", () => addToAlbumDialog(ids())),
        act("Share", () => shareDialog({ type: "INDIVIDUAL", assetIds: ids() })),
        act("Download", () => download({ assetIds: ids() })),
        // The user's own timeline views (an album's page may hold other users' photos).
        ...(view && view !== "/trash"
          ? [
              act("Move to locked folder", async () => {
                if (!(await moveLocked(ids(), true))) return;
                state.selected.clear();
                route();
              }),
            ]
          : []),
        act("Delete", async () => {
          await api("DELETE", "/assets", { ids: ids() });
          done("Moved to the trash");
        }),
        ...(state.scope.albumId && state.scope.canEdit
          ? [
              act("Remove from album", async () => {
                await api("DELETE", `/albums/${state.scope.albumId}/assets`, { ids: ids() });
                done("Removed from the album");
              }),
            ]
          : []),
      ];
  const bar = el(
    "div",
    { class: "selection", role: "toolbar", "aria-label": "Selection" },
    el("span", { class: "count" }, `${state.selected.size} selected`),
    ...actions,
    el("button", { type: "button", class: "quiet icon-clear", onclick: () => (state.selected.clear(), route()) }, "Clear"),
  );
  document.body.append(bar);
}
