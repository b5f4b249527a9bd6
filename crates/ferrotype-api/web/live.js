// Live updates over the server's socket.io channel (Immich's events).

import { io } from "/vendor/socket.io.esm.min.js";
import { state } from "/state.js";
import { route } from "/router.js";

/// The server's socket.io channel (Immich's events, with the session cookie): what changes
/// elsewhere (another tab, the phone, the CLI, the thumbnail jobs) shows in the open grid without
/// a reload. Changed months are fetched again together, a moment after the last event.
export const live = {
  socket: null,
  months: new Map(), // section key -> section, to fetch again
  newMonth: false, // a new photo in a month the timeline does not have yet
  timer: 0,

  connect() {
    if (this.socket) return;
    this.socket = io({ path: "/api/socket.io", transports: ["websocket", "polling"] });
    this.socket
      .on("on_upload_success", (asset) => this.changed(asset.id, asset.localDateTime, true))
      .on("on_asset_update", (asset) => this.changed(asset.id, asset.localDateTime))
      .on("on_asset_delete", (id) => this.changed(id))
      .on("on_asset_trash", (ids) => ids.forEach((id) => this.changed(id)))
      .on("on_asset_restore", (ids) => ids.forEach((id) => this.changed(id)))
      // Which assets is not said: the months shown are fetched again.
      .on("on_asset_stack_update", () => this.stacksChanged())
      // Maintenance mode began or ended: the app is drawn again, by what the server is now.
      .on("AppRestartV1", () => route())
      .on("on_session_delete", () => {
        this.disconnect();
        route();
      });
  },

  disconnect() {
    this.socket?.disconnect();
    this.socket = null;
  },

  changed(id, localDateTime, created = false) {
    const grid = state.grid;
    if (!grid) return;
    const section = grid.sectionOf(id, localDateTime);
    if (section) this.months.set(section.key, section);
    else if (created && state.scope.view === "/photos") this.newMonth = true;
    else return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(grid), 300);
  },

  stacksChanged() {
    const grid = state.grid;
    if (!grid) return;
    for (const s of grid.sections) if (s.assets && s.load) this.months.set(s.key, s);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(grid), 300);
  },

  refresh(grid) {
    const months = [...this.months.values()];
    const rebuild = this.newMonth;
    this.months.clear();
    this.newMonth = false;
    if (grid !== state.grid) return;
    // A new month changes the list of sections: draw the timeline again (it keeps no viewer
    // open, so only when none is).
    if (rebuild && !document.querySelector(".viewer")) return route();
    for (const s of months) grid.reload(s);
  },
};
