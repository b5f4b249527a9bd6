// The timeline views: all photos, favourites, the archive, the trash and (once unlocked) the
// locked folder; month by month, with the scrubber.

import { api } from "/api.js";
import { scrubber } from "/grid.js";
import { el } from "/dom.js";
import { app, state } from "/state.js";
import { route } from "/router.js";
import { toast, guard } from "/components/toast.js";
import { header } from "/components/header.js";
import { setUpDrop } from "/components/upload.js";
import { monthSections, showGrid } from "/components/photo-grid.js";
import { changePinDialog } from "/pages/locked.js";
import { memoryLane } from "/components/memory-lane.js";

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

export async function timelinePage(path = "/photos") {
  const view = VIEWS[path] || VIEWS["/photos"];
  state.scope = { view: path };
  const drop = el("div", { class: "dropzone", hidden: true }, "Drop photos and videos to upload");
  const timeline = el("section", { class: "timeline", id: "timeline" });
  const progress = el("ul", { class: "uploads", id: "uploads" });
  const heading = view.title ? el("h1", { class: "view-title" }, view.title) : null;
  const viewActions =
    path === "/trash"
      ? el("div", { class: "actions" },
          el("button", { type: "button", onclick: guard("Cannot restore", async () => {
            await api("POST", "/trash/restore");
            toast("Restored everything");
            route();
          }) }, "Restore all"),
          el("button", { type: "button", class: "quiet", onclick: guard("Cannot empty the trash", async () => {
            if (!confirm("Delete everything in the trash for good?")) return;
            await api("POST", "/trash/empty");
            toast("The trash is being emptied");
            route();
          }) }, "Empty trash"))
      : path === "/locked"
        ? el("div", { class: "actions" },
            el("button", { type: "button", onclick: guard("Cannot lock", async () => {
              await api("POST", "/auth/session/lock");
              toast("Locked");
              route();
            }) }, "Lock"),
            el("button", { type: "button", class: "quiet", onclick: changePinDialog }, "Change PIN code"))
        : null;
  if (heading) timeline.append(heading);
  // Today's memories above the photos (Immich's memory lane), drawn when they come.
  if (path === "/photos") {
    const lane = el("div", { class: "memory-lane-host", hidden: true });
    timeline.append(lane);
    memoryLane(lane);
  }
  if (viewActions) timeline.append(viewActions);
  const main = el("main", { class: "photos" }, timeline);
  app.replaceChildren(header(), main, progress, drop);
  setUpDrop(drop);

  let sections;
  try {
    sections = await monthSections(`${view.query}&order=desc`);
  } catch (err) {
    toast(`Cannot load the timeline: ${err.message}`, "error");
    return;
  }
  if (!sections.length) timeline.append(el("p", { class: "empty" }, view.empty));
  main.append(scrubber(showGrid(timeline, sections)));
}
