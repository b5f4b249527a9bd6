// Ferrotype's web app: plain ES modules, no build step, talking only to the public API (the
// same routes the Immich clients use). Pages: first-run sign-up, login, the timeline (justified
// rows per month, loaded and drawn only near the viewport), the viewer, upload, the locked folder
// behind a PIN code, administration and the server settings.

import { toDataURL } from "/thumbhash.js";
import { VirtualGrid, scrubber } from "/grid.js";
import { io } from "/vendor/socket.io.esm.min.js";
import { api, request } from "/api.js";
import { html, render, setTitle } from "/ui.js";
import { NotFound } from "/pages/not-found.js";
import "/theme.js";
import { accountLink } from "/avatar.js";
import { showAccount } from "/pages/account.js";
import { afterSignIn, showOnboarding } from "/pages/onboarding.js";
import { showChangePassword } from "/pages/change-password.js";
import { AdminUsers } from "/pages/admin-users.js";

const app = document.getElementById("app");
// `grid`: the VirtualGrid of the page shown (timeline, album, link), null elsewhere.
const state = { user: null, grid: null, selected: new Set(), scope: {} };

// ---- small helpers ----------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(c));
  }
  return node;
}

export function toast(message, kind = "info") {
  const t = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  const area = document.getElementById("toasts");
  area.append(t);
  // The area is a popover: shown again, it is the newest of the top layer, above open dialogs.
  if (area.matches(":popover-open")) area.hidePopover();
  area.showPopover();
  setTimeout(() => {
    t.remove();
    if (!area.children.length && area.matches(":popover-open")) area.hidePopover();
  }, 5000);
}

/// An event handler that reports its failure: a toast saying what could not be done, and why.
function guard(what, fn) {
  return (...args) => Promise.resolve().then(() => fn(...args)).catch((err) => toast(`${what}: ${err.message}`, "error"));
}

function navigate(path) {
  history.pushState(null, "", path);
  route();
}

// Back and Forward: an open viewer closes (back on the page it was opened from, nothing redrawn);
// other moves draw the page of the new address.
let viewerClose = null; // closes the open viewer; `.from`: the address it was opened from
let ignorePop = false; // the viewer's own history.back() on close
let afterPop = null; // what the viewer's close does once that back() has landed
window.addEventListener("popstate", () => {
  if (ignorePop) {
    ignorePop = false;
    const then = afterPop;
    afterPop = null;
    then?.();
    return;
  }
  if (viewerClose) {
    const from = viewerClose.from;
    viewerClose(true);
    if (location.pathname + location.search === from) return;
  }
  route();
});

// The locked folder's unlock ended (timed out, or locked from another page): back to its PIN
// prompt. The API client announces every 401 with the server's message.
window.addEventListener("api-unauthorized", (e) => {
  if (e.detail === "Elevated permission is required" && location.pathname.startsWith("/locked")) setTimeout(route, 0);
});

// ---- pages -------------------------------------------------------------------------------

async function route() {
  const path = location.pathname;
  viewerClose?.(true);
  state.grid?.destroy();
  state.grid = null;
  clearDrop();
  state.selected.clear();
  state.lastSelected = null;
  renderSelectionBar();
  // Public pages of shared links: no account needed.
  if (path.startsWith("/share/") || path.startsWith("/s/")) setTitle("Shared");
  if (path.startsWith("/share/")) return sharePage({ key: decodeURIComponent(path.slice("/share/".length)) });
  if (path.startsWith("/s/")) return sharePage({ slug: decodeURIComponent(path.slice("/s/".length)) });
  const config = await api("GET", "/server/config").catch(() => ({ isInitialized: true }));
  if (!config.isInitialized) {
    setTitle("Welcome");
    return signUpPage();
  }
  state.user = await api("GET", "/users/me").catch(() => null);
  if (!state.user) {
    live.disconnect();
    setTitle("Sign in");
    return loginPage(config);
  }
  live.connect();
  const page = pages().find(([match]) => (typeof match === "string" ? path === match : match.test(path)));
  if (!page) return notFoundPage(path);
  setTitle(page[1]);
  return page[2](path);
}

/// The app's pages: the address (exact, or a pattern), the tab's title, what draws the page.
function pages() {
  return [
    ["/", "Photos", () => timelinePage()],
    ["/photos", "Photos", () => timelinePage()],
    // Before the views: the locked folder's own page draws its view once unlocked.
    [/^\/locked(\/photos\/[^/]+)?$/, "Locked folder", (path) => lockedPage(path)],
    ...Object.entries(VIEWS)
      .filter(([view]) => view !== "/photos")
      .map(([view, v]) => [view, v.title, () => timelinePage(view)]),
    ["/albums", "Albums", () => albumsPage()],
    ["/sharing", "Sharing", () => sharingPage()],
    ["/admin", "Administration", () => adminPage()],
    ["/account", "Account settings", () => showAccount(app, header(), state.user)],
    ["/onboarding", "Welcome", () => showOnboarding(app, state.user, navigate)],
    ["/change-password", "Change password", () => showChangePassword(app, state.user, navigate)],
    ["/admin/settings", "Settings", () => settingsPage()],
    [/^\/albums\/[^/]+$/, "Album", (path) => albumPage(path.slice("/albums/".length))],
    [
      /^\/photos\/[^/]+$/,
      "Photos",
      async (path) => {
        await timelinePage();
        return openViewer(path.slice("/photos/".length));
      },
    ],
  ];
}

/// An address the app does not have: the header, and a page saying so.
function notFoundPage(path) {
  setTitle("Page not found");
  const main = el("main", { class: "photos" });
  app.replaceChildren(header(), main);
  render(html`<${NotFound} path=${path} onHome=${() => navigate("/photos")} />`, main);
}

function formPage(title, fields, submitLabel, onSubmit, message = "") {
  const error = el("p", { class: "form-error", role: "alert" });
  const form = el(
    "form",
    { class: "card" },
    el("h1", {}, title),
    message ? el("p", { class: "login-message" }, message) : null,
    ...fields.map(([name, label, type, extra = {}]) =>
      el("label", {}, label, el("input", { name, type, required: true, autocomplete: type === "password" ? "current-password" : name, ...extra })),
    ),
    error,
    el("button", { type: "submit" }, submitLabel),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const values = Object.fromEntries(new FormData(form));
    try {
      await onSubmit(values);
    } catch (err) {
      error.textContent = err.message;
    }
  });
  app.replaceChildren(el("main", { class: "centered" }, form));
}

function signUpPage() {
  formPage(
    "Welcome to Ferrotype",
    [
      ["name", "Name", "text"],
      ["email", "Email", "email"],
      ["password", "Password (at least 8 characters)", "password", { autocomplete: "new-password", minlength: 8 }],
      ["confirm", "Confirm the password", "password", { autocomplete: "new-password" }],
    ],
    "Create the admin account",
    async ({ confirm, ...v }) => {
      if (v.password !== confirm) throw new Error("The passwords do not match");
      await api("POST", "/auth/admin-sign-up", v);
      const login = await api("POST", "/auth/login", { email: v.email, password: v.password });
      toast("Admin account created");
      navigate(afterSignIn(login));
    },
  );
}

/// The sign-in form, with the admin's message for this page (system config) above it.
function loginPage(config = {}) {
  formPage(
    "Sign in to Ferrotype",
    [["email", "Email", "email"], ["password", "Password", "password"]],
    "Sign in",
    async (v) => {
      navigate(afterSignIn(await api("POST", "/auth/login", v)));
    },
    config.loginPageMessage || "",
  );
}

async function logout() {
  live.disconnect();
  await api("POST", "/auth/logout").catch(() => {});
  state.user = null;
  navigate("/");
}

// ---- live events -------------------------------------------------------------------------

/// The server's socket.io channel (Immich's events, with the session cookie): what changes
/// elsewhere (another tab, the phone, the CLI, the thumbnail jobs) shows in the open grid without
/// a reload. Changed months are fetched again together, a moment after the last event.
const live = {
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

// ---- the timeline ------------------------------------------------------------------------

function header() {
  const picker = el("input", { type: "file", multiple: true, accept: "image/*,video/*", id: "upload-input", hidden: true });
  picker.addEventListener("change", () => upload([...picker.files]).then(() => (picker.value = "")));
  const bar = el(
    "header",
    { class: "topbar" },
    el("a", { href: "/photos", class: "brand", onclick: (e) => (e.preventDefault(), navigate("/photos")) }, "Ferrotype"),
    el("nav", { class: "nav-links" },
      ...[["/albums", "Albums"], ["/favorites", "Favorites"], ["/archive", "Archive"], ["/locked", "Locked folder"], ["/sharing", "Sharing"], ["/trash", "Trash"]]
        .concat(state.user.isAdmin ? [["/admin", "Administration"]] : [])
        .map(([href, label]) => el("a", {
          href,
          class: "nav-link",
          // The page shown (and its subpages) is marked for the eye and for screen readers.
          "aria-current": location.pathname === href || location.pathname.startsWith(`${href}/`) ? "page" : null,
          onclick: (e) => (e.preventDefault(), navigate(href)),
        }, label))),
    el("span", { class: "spacer" }),
    el("button", { type: "button", id: "upload-button", onclick: () => picker.click() }, "Upload"),
    picker,
    accountLink(state.user, navigate),
    el("button", { type: "button", class: "quiet", onclick: logout }, "Sign out"),
  );
  // The scrubber and other sticky parts sit below the bar, whose height changes with the width.
  new ResizeObserver(() => document.documentElement.style.setProperty("--topbar-height", `${bar.offsetHeight}px`)).observe(bar);
  return bar;
}

/// The sections of a grid for the timeline buckets of `query`: a month each, fetched when near.
async function monthSections(query) {
  const buckets = await api("GET", `/timeline/buckets?${query}`);
  return buckets.map((b) => ({
    key: b.timeBucket,
    title: monthTitle(b.timeBucket),
    count: b.count,
    load: async () => {
      const cols = await api("GET", `/timeline/bucket?${query}&timeBucket=${encodeURIComponent(b.timeBucket)}`);
      return cols.id.map((id, i) => ({
        id,
        ratio: cols.ratio[i] || 1,
        thumbhash: cols.thumbhash[i],
        isImage: cols.isImage[i],
        isFavorite: cols.isFavorite[i],
        duration: cols.duration[i],
      }));
    },
  }));
}

/// Shows `sections` in `container` as the page's grid; returns it.
function showGrid(container, sections) {
  const holder = el("div", { class: "vgrid" });
  container.append(holder);
  longPressSelects(holder);
  state.grid = new VirtualGrid(holder, sections, tile, (s, err) => toast(`Cannot load ${s.title || "the photos"}: ${err.message}`, "error"));
  return state.grid;
}

function monthTitle(bucket) {
  const d = new Date(`${bucket.slice(0, 10)}T00:00:00Z`);
  return d.toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
}

/// The timeline views: everything, favourites, the archive, the trash, the locked folder (whose
/// page, `lockedPage`, first asks for the PIN code).
const VIEWS = {
  "/photos": { query: "visibility=timeline", title: null, empty: "No photos yet. Upload some with the button above or drop them here." },
  "/favorites": { query: "isFavorite=true", title: "Favorites", empty: "No favorites yet." },
  "/archive": { query: "visibility=archive", title: "Archive", empty: "Nothing archived." },
  "/trash": { query: "isTrashed=true", title: "Trash", empty: "The trash is empty." },
  "/locked": {
    query: "visibility=locked",
    title: "Locked folder",
    empty: "Photos and videos in the locked folder are hidden and won't show up as you browse or search your library.",
  },
};

async function timelinePage(path = "/photos") {
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

// ---- the locked folder ---------------------------------------------------------------------

/// The locked folder (Immich's /locked): its photos are shown only to a session unlocked with
/// the PIN code. Without a code yet the user sets one; without the unlock, the PIN prompt; then
/// the timeline of locked assets (`/locked/photos/<id>` opens one in the viewer).
async function lockedPage(path = "/locked") {
  let status;
  try {
    status = await api("GET", "/auth/status");
  } catch (err) {
    toast(`Cannot open the locked folder: ${err.message}`, "error");
    return;
  }
  if (!status.pinCode) return pinSetupPage();
  if (!status.isElevated) return pinPromptPage();
  await timelinePage("/locked");
  if (path.startsWith("/locked/photos/")) return openViewer(path.slice("/locked/photos/".length));
}

/// A six-digit code field: digits only, the phone's number pad, never filled in by the browser.
function pinInput(name, label, required = true) {
  return el("label", {}, label, el("input", {
    name, type: "password", inputmode: "numeric", pattern: "\\d{6}", minlength: 6, maxlength: 6,
    autocomplete: "off", required, class: "pin", title: "Six digits",
  }));
}

/// A form in a card under the top bar (the pages of the locked folder before it opens).
function cardPage(title, intro, fields, submitLabel, onSubmit, ...extra) {
  const error = el("p", { class: "form-error", role: "alert" });
  const form = el("form", { class: "card" }, el("h1", {}, title), el("p", { class: "muted" }, intro), ...fields, error,
    el("button", { type: "submit" }, submitLabel), ...extra);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      await onSubmit(Object.fromEntries(new FormData(form)));
    } catch (err) {
      error.textContent = err.message;
      form.querySelector("input")?.select();
    }
  });
  app.replaceChildren(header(), el("main", { class: "page centered-card" }, form));
  form.querySelector("input")?.focus();
}

function pinSetupPage() {
  cardPage(
    "Set up a PIN code",
    "This is your first time accessing the locked folder. Create a PIN code to securely access this page.",
    [pinInput("pinCode", "New PIN code"), pinInput("confirm", "Confirm new PIN code")],
    "Create PIN code",
    async (v) => {
      if (v.pinCode !== v.confirm) throw new Error("The two PIN codes differ");
      await api("POST", "/auth/pin-code", { pinCode: v.pinCode });
      toast("Successfully setup a PIN code");
      route();
    },
  );
}

function pinPromptPage() {
  cardPage(
    "Enter your PIN code",
    "Enter your PIN code to access the locked folder",
    [pinInput("pinCode", "PIN code")],
    "Unlock",
    async (v) => {
      // A wrong code: the server's message (Immich's "Wrong PIN code") shows under the field.
      await api("POST", "/auth/session/unlock", { pinCode: v.pinCode });
      route();
    },
    el("button", { type: "button", class: "quiet", onclick: resetPinDialog }, "Forgot your PIN code?"),
  );
}

/// A small form in a dialog: `onSubmit(values)` closes it when it succeeds, else its error
/// shows in the dialog.
function formDialog(title, fields, submitLabel, onSubmit, intro = "") {
  const error = el("p", { class: "form-error", role: "alert" });
  const form = el("form", { class: "stack" }, intro ? el("p", { class: "muted" }, intro) : null, ...fields, error,
    el("div", { class: "actions" },
      el("button", { type: "submit" }, submitLabel),
      el("button", { type: "button", class: "quiet", onclick: () => box.close() }, "Cancel")));
  const box = dialog(title, form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      await onSubmit(Object.fromEntries(new FormData(form)));
      box.close();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  return box;
}

/// Changing the code needs the current code or the account's password (either is enough).
function changePinDialog() {
  formDialog(
    "Change PIN code",
    [
      pinInput("pinCode", "Current PIN code", false),
      el("label", {}, "or your password", el("input", { name: "password", type: "password", autocomplete: "current-password" })),
      pinInput("newPinCode", "New PIN code"),
      pinInput("confirm", "Confirm new PIN code"),
    ],
    "Save",
    async (v) => {
      if (v.newPinCode !== v.confirm) throw new Error("The two new PIN codes differ");
      if (!v.pinCode && !v.password) throw new Error("Give the current PIN code or your password");
      const proof = v.password ? { password: v.password } : { pinCode: v.pinCode };
      await api("PUT", "/auth/pin-code", { ...proof, newPinCode: v.newPinCode });
      toast("Successfully changed PIN code");
    },
  );
}

/// A forgotten code is removed with the password; every session is locked, and the next visit
/// sets a new code.
function resetPinDialog() {
  formDialog(
    "Reset PIN code",
    [el("label", {}, "Password", el("input", { name: "password", type: "password", required: true, autocomplete: "current-password" }))],
    "Reset PIN code",
    async (v) => {
      await api("DELETE", "/auth/pin-code", { password: v.password });
      toast("Successfully reset PIN code");
      route();
    },
    "You can always reset your PIN code with your password.",
  );
}

/// Moves assets in or out of the locked folder, after the user confirms (Immich's words); true
/// when done. Moving out needs the unlock: when it has ended, the page goes back to the prompt.
async function moveLocked(ids, lock) {
  const ok = await confirmDialog(
    lock ? "Move to locked folder" : "Remove from locked folder",
    lock
      ? "These photos and video will be removed from all albums, and only viewable from the locked folder"
      : "Are you sure you want to move these photos and videos out of the locked folder? They will be visible in your library.",
    lock ? "Move to locked folder" : "Move out of locked folder",
  );
  if (!ok) return false;
  try {
    await api("PUT", "/assets", { ids, visibility: lock ? "locked" : "timeline" });
  } catch (err) {
    if (!lock && !(await api("GET", "/auth/status").catch(() => ({}))).isElevated) {
      toast("The locked folder was locked: enter the PIN code again", "error");
      route();
      return false;
    }
    throw err;
  }
  const n = ids.length === 1 ? "1 item" : `${ids.length} items`;
  toast(lock ? `${n} added to the locked folder` : `${n} removed from the locked folder`);
  return true;
}

/// `&key=...` on media URLs when a visitor browses a shared link.
function linkQuery(sep = "&") {
  return state.scope.query ? `${sep}${state.scope.query}` : "";
}

/// Touch screens have no hover to show a tile's check mark: a long press selects (as Immich's app
/// does), and while something is selected a tap adds or removes. One set of listeners per grid.
function longPressSelects(holder) {
  let timer = 0;
  let pressed = null;
  holder.addEventListener("touchstart", (e) => {
    const tile = e.target.closest(".tile");
    if (!tile || e.touches.length > 1) return;
    timer = setTimeout(() => {
      pressed = tile;
      toggleSelected(tile.dataset.id, tile);
      navigator.vibrate?.(20);
    }, 500);
  }, { passive: true });
  const cancel = () => clearTimeout(timer);
  holder.addEventListener("touchmove", cancel, { passive: true });
  holder.addEventListener("touchend", cancel);
  holder.addEventListener("touchcancel", cancel);
  // The click that may end a long press must not open the viewer (capture: before the tile's).
  holder.addEventListener("click", (e) => {
    if (pressed && e.target.closest(".tile") === pressed) {
      e.preventDefault();
      e.stopPropagation();
    }
    pressed = null;
  }, true);
  holder.addEventListener("contextmenu", (e) => e.target.closest(".tile") && e.preventDefault());
}

/// A tile of the grid (which places and sizes it): the thumbnail over its thumbhash. The image
/// is asked for when the grid calls `showImage` (not while the tile flies past).
function tile(asset) {
  const img = el("img", { class: "thumb", alt: "", decoding: "async" });
  const link = el(
    "a",
    {
      class: "tile",
      href: `/photos/${asset.id}`,
      "data-id": asset.id,
      onclick: (e) => {
        e.preventDefault();
        if (e.shiftKey && state.lastSelected) selectRange(state.lastSelected, asset.id);
        else if (state.selected.size || e.shiftKey || e.ctrlKey || e.metaKey) toggleSelected(asset.id, link);
        else openViewer(asset.id);
      },
    },
    img,
    el("button", {
      type: "button",
      class: "check",
      "aria-label": "Select",
      onclick: (e) => {
        e.preventDefault();
        e.stopPropagation();
        if (e.shiftKey && state.lastSelected) selectRange(state.lastSelected, asset.id);
        else toggleSelected(asset.id, link);
      },
    }, "✓"),
  );
  if (state.selected.has(asset.id)) link.classList.add("selected");
  const placeholder = placeholderOf(asset);
  if (placeholder) link.style.backgroundImage = `url(${placeholder})`;
  img.addEventListener("load", () => link.classList.add("loaded"));
  // Right after an upload the thumbnail may not exist yet (a busy server makes it minutes later):
  // ask again while the tile is in the page, a little later each time up to every 5 seconds, for
  // up to 3 minutes (a file whose thumbnail cannot be made keeps its placeholder).
  let tries = 0;
  const givingUpAt = Date.now() + 180_000;
  img.addEventListener("error", () => {
    const wait = Math.min(5000, 500 * 2 ** tries++);
    if (Date.now() + wait > givingUpAt) return;
    setTimeout(() => {
      if (img.isConnected) img.src = `/api/assets/${asset.id}/thumbnail?size=thumbnail&retry=${tries}${linkQuery()}`;
    }, wait);
  });
  if (!asset.isImage) link.append(el("span", { class: "badge" }, `${clockDuration(asset.duration)} ▶`.trim()));
  if (asset.isFavorite) link.append(el("span", { class: "fav", "aria-label": "Favorite" }, "♥"));
  link.showImage = () => (img.src = `/api/assets/${asset.id}/thumbnail?size=thumbnail${linkQuery()}`);
  return link;
}

/// A video's length as players show it ("0:07", "12:30", "1:02:03") from the timeline's
/// milliseconds; empty when unknown.
function clockDuration(ms) {
  if (typeof ms !== "number") return "";
  const total = Math.round(ms / 1000);
  const [h, m, sec] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

/// The asset's thumbhash as a small image URL, decoded once per asset and kept: the tile shows it
/// as its background (no canvas per tile), and a tile drawn again reuses it.
function placeholderOf(asset) {
  if (asset.placeholder === undefined) {
    asset.placeholder = null;
    if (asset.thumbhash) {
      try {
        asset.placeholder = toDataURL(asset.thumbhash);
      } catch {
        // A hash we cannot read only costs the placeholder.
      }
    }
  }
  return asset.placeholder;
}

// ---- selection and what can be done with it ------------------------------------------------

function toggleSelected(id, tileNode) {
  if (state.selected.has(id)) state.selected.delete(id);
  else state.selected.add(id);
  state.lastSelected = state.selected.has(id) ? id : null;
  tileNode.classList.toggle("selected", state.selected.has(id));
  renderSelectionBar();
}

/// Shift-click: everything from the last asset selected to this one, in timeline order (months
/// in between are fetched if they were not yet).
async function selectRange(from, to) {
  const ids = (await state.grid?.between(from, to)) || [to];
  for (const id of ids) state.selected.add(id);
  state.lastSelected = to;
  state.grid?.eachTile((node) => node.classList.toggle("selected", state.selected.has(node.dataset.id)));
  renderSelectionBar();
}

function renderSelectionBar() {
  document.querySelector(".selection")?.remove();
  document.body.classList.toggle("selecting", state.selected.size > 0);
  if (!state.selected.size) return;
  const ids = () => [...state.selected];
  const done = (message) => {
    toast(message);
    state.selected.clear();
    route();
  };
  const act = (label, fn) =>
    el("button", { type: "button", onclick: guard(`${label} failed`, fn) }, label);
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
    el("button", { type: "button", class: "quiet", onclick: () => (state.selected.clear(), route()) }, "Clear"),
  );
  document.body.append(bar);
}

/// Asks for one line of text in a dialog; the text, or null when dismissed.
function promptDialog(title, label, submitLabel) {
  return new Promise((resolve) => {
    let answer = null;
    const input = el("input", { name: "value", required: true, "aria-label": label, placeholder: label });
    const form = el("form", { method: "dialog", class: "stack" }, input, el("button", { type: "submit" }, submitLabel));
    form.addEventListener("submit", () => (answer = input.value.trim() || null));
    const box = dialog(title, form);
    box.addEventListener("close", () => resolve(answer));
    input.focus();
  });
}

/// A modal dialog with a title, a Close button, and Escape or a click outside to close it.
function dialog(title, ...content) {
  const close = el("button", { type: "button", class: "quiet dialog-close", "aria-label": "Close", onclick: () => box.close() }, "✕");
  const box = el("dialog", { class: "card dialog" }, el("div", { class: "dialog-head" }, el("h2", {}, title), close), ...content);
  document.body.append(box);
  box.addEventListener("close", () => box.remove());
  // A click on the backdrop lands on the dialog element itself, outside its box.
  box.addEventListener("click", (e) => {
    if (e.target !== box) return;
    const r = box.getBoundingClientRect();
    if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) box.close();
  });
  box.showModal();
  return box;
}

/// Asks before an action: resolves true when the user confirms, false on cancel or Escape.
function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    let answer = false;
    const box = dialog(title, el("p", {}, message),
      el("div", { class: "actions" },
        el("button", { type: "button", class: "confirm", onclick: () => ((answer = true), box.close()) }, confirmLabel),
        el("button", { type: "button", class: "quiet", onclick: () => box.close() }, "Cancel")));
    box.addEventListener("close", () => resolve(answer));
  });
}

async function addToAlbumDialog(assetIds) {
  const albums = await api("GET", "/albums");
  const box = dialog(
    "Add to album",
    el("form", { method: "dialog", class: "stack" },
      el("label", {}, "New album", el("input", { name: "albumName", placeholder: "Album name" })),
      el("button", { type: "submit", value: "new" }, "Create and add"),
    ),
    el("ul", { class: "choices" }, albums.map((a) =>
      el("li", {}, el("button", { type: "button", class: "quiet", onclick: guard(`Cannot add to ${a.albumName}`, async () => {
        await api("PUT", `/albums/${a.id}/assets`, { ids: assetIds });
        box.close();
        toast(`Added to ${a.albumName}`);
        state.selected.clear();
        route();
      }) }, `${a.albumName} (${a.assetCount})`)),
    )),
  );
  const create = guard("Cannot create the album", async (form) => {
    const name = new FormData(form).get("albumName").trim();
    if (!name) return toast("Give the album a name", "error");
    const album = await api("POST", "/albums", { albumName: name, assetIds });
    box.close();
    toast(`Added to ${album.albumName}`);
    state.selected.clear();
    route();
  });
  box.querySelector("form").addEventListener("submit", (e) => (e.preventDefault(), create(e.target)));
}

async function shareDialog(target) {
  const form = el("form", { class: "stack" },
    el("label", {}, "Description", el("input", { name: "description" })),
    el("label", {}, "Password (optional)", el("input", { name: "password", type: "password", autocomplete: "new-password" })),
    el("label", {}, "Expires", el("select", { name: "expires" },
      el("option", { value: "" }, "Never"),
      el("option", { value: "1" }, "In a day"),
      el("option", { value: "7" }, "In a week"),
      el("option", { value: "30" }, "In a month"),
    )),
    el("label", { class: "check-line" }, el("input", { type: "checkbox", name: "allowDownload", checked: true }), "Allow downloads"),
    el("label", { class: "check-line" }, el("input", { type: "checkbox", name: "showMetadata", checked: true }), "Show metadata"),
    el("label", { class: "check-line" }, el("input", { type: "checkbox", name: "allowUpload" }), "Allow uploads"),
    el("button", { type: "submit" }, "Create link"),
  );
  const result = el("p", { class: "link-result" });
  const box = dialog("Share", form, result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const v = new FormData(form);
    const days = Number(v.get("expires") || 0);
    try {
      const link = await api("POST", "/shared-links", {
        ...target,
        description: v.get("description") || undefined,
        password: v.get("password") || undefined,
        expiresAt: days ? new Date(Date.now() + days * 86400000).toISOString() : undefined,
        allowDownload: v.get("allowDownload") === "on",
        showMetadata: v.get("showMetadata") === "on",
        allowUpload: v.get("allowUpload") === "on",
      });
      const url = `${location.origin}/share/${link.key}`;
      const copy = el("button", { type: "button", onclick: () => {
        navigator.clipboard?.writeText(url).then(() => toast("Link copied"), () => toast("Cannot copy: select the link and copy it", "error"));
      } }, "Copy link");
      result.replaceChildren(el("a", { href: url, class: "share-url" }, url), copy);
      // The link exists: the form would make a second one.
      form.querySelector("button[type=submit]").disabled = true;
      toast("Link created");
    } catch (err) {
      toast(`Cannot create the link: ${err.message}`, "error");
    }
  });
  return box;
}

/// Downloads as a zip: the archives the server plans for `target` ({ assetIds } or { albumId }),
/// one after another.
async function download(target, query = "") {
  const info = await api("POST", `/download/info${query}`, target);
  for (const archive of info.archives) {
    const r = await request("POST", `/download/archive${query}`, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assetIds: archive.assetIds }),
    });
    if (!r.ok) throw new Error(`${r.status}`);
    const url = URL.createObjectURL(await r.blob());
    el("a", { href: url, download: "ferrotype.zip" }).click();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }
}

// ---- albums ------------------------------------------------------------------------------

async function albumsPage() {
  const list = el("section", { class: "albums" });
  const create = el("button", { type: "button", onclick: guard("Cannot create the album", async () => {
    const name = await promptDialog("Create album", "Album name", "Create");
    if (name === null) return;
    const album = await api("POST", "/albums", { albumName: name });
    navigate(`/albums/${album.id}`);
  }) }, "Create album");
  app.replaceChildren(header(), el("main", { class: "page" }, el("div", { class: "page-head" }, el("h1", {}, "Albums"), create), list));
  const albums = await api("GET", "/albums").catch((err) => (toast(err.message, "error"), []));
  if (!albums.length) list.append(el("p", { class: "empty" }, "No albums yet. Create one, or select photos and choose “Add to album”."));
  for (const a of albums) {
    list.append(
      el("a", { class: "album-card", href: `/albums/${a.id}`, onclick: (e) => (e.preventDefault(), navigate(`/albums/${a.id}`)) },
        a.albumThumbnailAssetId
          ? el("img", { src: `/api/assets/${a.albumThumbnailAssetId}/thumbnail?size=thumbnail`, alt: "" })
          : el("div", { class: "no-cover" }),
        el("strong", {}, a.albumName),
        el("span", {}, `${a.assetCount} items${a.shared ? " · shared" : ""}`),
      ),
    );
  }
}

async function albumPage(id) {
  let album;
  try {
    album = await api("GET", `/albums/${id}`);
  } catch (err) {
    toast(`Cannot open the album: ${err.message}`, "error");
    return navigate("/albums");
  }
  setTitle(album.albumName || "Album");
  const me = album.albumUsers.find((u) => u.user.id === state.user.id);
  const owner = me && me.role === "owner";
  state.scope = { albumId: id, canEdit: me && me.role !== "viewer" };
  const title = el("input", { class: "title", value: album.albumName, "aria-label": "Album name", readonly: !owner });
  const description = el("input", { class: "description", value: album.description, placeholder: owner ? "Add a description" : "", "aria-label": "Description", readonly: !owner });
  const save = async () => {
    try {
      await api("PATCH", `/albums/${id}`, { albumName: title.value, description: description.value });
      toast("Album saved");
    } catch (err) {
      toast(`Cannot save: ${err.message}`, "error");
    }
  };
  if (owner) {
    title.addEventListener("change", save);
    description.addEventListener("change", save);
  }
  const actions = el("div", { class: "actions" },
    owner ? el("button", { type: "button", onclick: () => shareDialog({ type: "ALBUM", albumId: id }) }, "Share link") : null,
    owner ? el("button", { type: "button", onclick: guard("Cannot share", () => shareWithUsers(album)) }, "Share with users") : null,
    album.albumUsers.length > 1 || owner ? el("button", { type: "button", class: "quiet", onclick: guard("Cannot show the members", async () => {
      // Read again: a change made in the dialog a moment ago may not be drawn on this page yet.
      membersDialog(await api("GET", `/albums/${id}`), owner);
    }) }, `Members (${album.albumUsers.length})`) : null,
    owner ? el("button", { type: "button", class: "quiet", onclick: guard("Cannot delete the album", async () => {
      if (!confirm(`Delete the album “${album.albumName}”? Its photos stay.`)) return;
      await api("DELETE", `/albums/${id}`);
      toast("Album deleted");
      navigate("/albums");
    }) }, "Delete album") : null,
  );
  const timeline = el("section", { class: "timeline", id: "timeline" });
  app.replaceChildren(header(), el("main", { class: "page" }, title, description, actions, timeline));
  await drawAlbum(timeline, `albumId=${id}`);
}

/// Adds other users to an album, as editors (they add photos) or viewers.
async function shareWithUsers(album) {
  const members = new Set(album.albumUsers.map((u) => u.user.id));
  const users = (await api("GET", "/users")).filter((u) => !members.has(u.id));
  const role = el("select", { name: "role", "aria-label": "Role" },
    el("option", { value: "editor" }, "Can add photos"),
    el("option", { value: "viewer" }, "Can only view"));
  const box = dialog("Share with users", el("label", { class: "stack" }, "Role", role), el("ul", { class: "choices" }, users.map((u) =>
    el("li", {}, el("button", { type: "button", class: "quiet", onclick: async () => {
      try {
        await api("PUT", `/albums/${album.id}/users`, { albumUsers: [{ userId: u.id, role: role.value }] });
        toast(`Shared with ${u.name}`);
        box.close();
        route();
      } catch (err) {
        toast(err.message, "error");
      }
    } }, `${u.name} <${u.email}>`)),
  )));
  if (!users.length) box.append(el("p", {}, "There are no other users to share with."));
}

/// The album's members: the owner changes roles and removes members; a member can leave.
/// The album's members as they are now (fetched when opened: the page may be older).
function membersDialog(album, owner) {
  const act = (fn) => async () => {
    try {
      await fn();
      box.close();
      route();
    } catch (err) {
      toast(err.message, "error");
    }
  };
  const rows = album.albumUsers.map(({ user, role }) => {
    const me = user.id === state.user.id;
    let control = el("span", { class: "muted" }, role);
    if (owner && role !== "owner") {
      control = el("select", { "aria-label": `Role of ${user.name}`, onchange: (e) => act(async () => {
        await api("PUT", `/albums/${album.id}/user/${user.id}`, { role: e.target.value });
        toast(`${user.name} ${e.target.value === "viewer" ? "can only view" : "can add photos"}`);
      })() },
        el("option", { value: "editor", selected: role === "editor" }, "Can add photos"),
        el("option", { value: "viewer", selected: role === "viewer" }, "Can only view"));
    }
    const remove = owner && role !== "owner"
      ? el("button", { type: "button", class: "quiet", onclick: act(async () => {
          await api("DELETE", `/albums/${album.id}/user/${user.id}`);
          toast(`${user.name} removed`);
        }) }, "Remove")
      : !owner && me
        ? el("button", { type: "button", class: "quiet", onclick: act(async () => {
            await api("DELETE", `/albums/${album.id}/user/me`);
            toast(`You left ${album.albumName}`);
            navigate("/albums");
          }) }, "Leave")
        : null;
    return el("li", { class: "member", "data-user": user.email }, el("span", {}, `${user.name}${me ? " (you)" : ""}`), control, remove);
  });
  const box = dialog("Members", el("ul", { class: "choices members" }, rows));
}

/// The assets of an album or an album's link, month by month, in a grid.
async function drawAlbum(container, query) {
  const sections = await monthSections(query);
  if (!sections.length) container.append(el("p", { class: "empty" }, "Nothing here yet."));
  showGrid(container, sections);
}

// ---- sharing and administration ----------------------------------------------------------

async function sharingPage() {
  const list = el("ul", { class: "links" });
  app.replaceChildren(header(), el("main", { class: "page" }, el("h1", {}, "Shared links"), list));
  const links = await api("GET", "/shared-links").catch((err) => (toast(err.message, "error"), []));
  if (!links.length) list.append(el("li", { class: "empty" }, "No shared links. Select photos or open an album and choose Share."));
  for (const link of links) {
    const url = `${location.origin}${link.slug ? `/s/${link.slug}` : `/share/${link.key}`}`;
    const facts = [
      link.album ? `Album: ${link.album.albumName}` : `${link.assets.length} items`,
      link.password ? "password" : null,
      link.expiresAt ? `expires ${new Date(link.expiresAt).toLocaleDateString()}` : "no expiry",
      link.allowDownload ? "downloads" : "no downloads",
      link.allowUpload ? "uploads" : null,
    ].filter(Boolean);
    list.append(
      el("li", { class: "card link" },
        el("strong", {}, link.description || (link.album ? link.album.albumName : "Shared photos")),
        el("a", { href: url, class: "share-url" }, url),
        el("span", { class: "muted" }, facts.join(" · ")),
        el("button", { type: "button", class: "quiet", onclick: async () => {
          try {
            await api("DELETE", `/shared-links/${link.id}`);
            toast("Link revoked");
            sharingPage();
          } catch (err) {
            toast(err.message, "error");
          }
        } }, "Revoke"),
      ),
    );
  }
}

/// The queues this server runs, by Immich's names, with the words of Immich's jobs page and the
/// commands that apply: `start` runs what is missing, `all` runs everything again.
const QUEUES = {
  thumbnailGeneration: { label: "Generate thumbnails", start: "Missing", all: "All" },
  metadataExtraction: { label: "Extract metadata", start: "Missing", all: "All" },
  storageTemplateMigration: { label: "Storage template migration", start: "Start" },
  backgroundTask: { label: "Background tasks" },
  notifications: { label: "Notifications" },
};

async function adminPage() {
  const users = el("section", {}, el("h2", {}, "Users"));
  const jobs = el("section", {}, el("h2", {}, "Jobs"));
  const stats = el("section", {}, el("h2", {}, "Statistics"));
  const settingsLink = el("a", { href: "/admin/settings", onclick: (e) => (e.preventDefault(), navigate("/admin/settings")) }, "Settings");
  app.replaceChildren(header(), el("main", { class: "page admin" }, el("h1", {}, "Administration"), el("p", {}, settingsLink), stats, users, jobs));
  try {
    const s = await api("GET", "/server/statistics");
    stats.append(el("p", {}, `${s.photos} photos, ${s.videos} videos, ${(s.usage / 1e9).toFixed(2)} GB`));
  } catch (err) {
    stats.append(el("p", { class: "form-error" }, err.message));
  }
  render(html`<${AdminUsers} />`, users.appendChild(document.createElement("div")));
  const queues = await api("GET", "/jobs").catch(() => ({}));
  const jobTable = el("table", {}, el("tr", {}, el("th", {}, "Queue"), el("th", {}, "Active"), el("th", {}, "Waiting"), el("th", {}, "Failed"), el("th", {}, "")));
  for (const [name, q] of Object.entries(queues)) {
    const known = QUEUES[name];
    if (!known) continue;
    const c = q.jobCounts || {};
    const command = (cmd, force, done) => async () => {
      try {
        await api("PUT", `/jobs/${name}`, { command: cmd, force });
        toast(`${known.label}: ${done}`);
        adminPage();
      } catch (err) {
        toast(err.message, "error");
      }
    };
    jobTable.append(
      el("tr", { "data-queue": name },
        el("td", {}, known.label), el("td", {}, String(c.active ?? 0)), el("td", {}, String(c.waiting ?? 0)), el("td", {}, String(c.failed ?? 0)),
        el("td", {},
          known.start ? el("button", { type: "button", class: "quiet", onclick: command("start", false, "started") }, known.start) : null,
          known.all ? el("button", { type: "button", class: "quiet", onclick: command("start", true, "started for everything") }, known.all) : null,
          q.queueStatus?.isPaused
            ? el("button", { type: "button", class: "quiet", onclick: command("resume", false, "resumed") }, "Resume")
            : el("button", { type: "button", class: "quiet", onclick: command("pause", false, "paused") }, "Pause"),
        ),
      ),
    );
  }
  jobs.append(jobTable);
}

// The server settings an admin changes at run time (Immich's system config), by section:
// [path in the config, label, input type, minimum]. Saving sends the whole config back.
const SETTINGS = [
  ["Trash", [["trash.enabled", "Keep deleted photos in the trash", "checkbox"], ["trash.days", "Days in the trash before deletion for good", "number", 0]]],
  ["Sign-in", [["passwordLogin.enabled", "Sign in with email and password", "checkbox"], ["server.loginPageMessage", "Message on the sign-in page", "text"]]],
  ["Server", [["server.externalDomain", "External address (used in shared links), e.g. https://photos.example.com", "url"]]],
  ["Map and places", [["map.enabled", "Show the map", "checkbox"], ["reverseGeocoding.enabled", "Find the place (city, state, country) of photos with a GPS position", "checkbox"]]],
  ["Users", [["user.deleteDelay", "Days before a deleted user is removed for good", "number", 1]]],
  ["Updates", [["newVersionCheck.enabled", "Check for new versions (kept for Immich's apps: this server never asks the internet)", "checkbox"]]],
  ["Storage template", [["storageTemplate.template", "Path of originals, e.g. {{y}}/{{MM}}/{{filename}} (checked and kept; files are not moved yet)", "text"]]],
];

const getPath = (obj, path) => path.split(".").reduce((o, k) => o?.[k], obj);
function setPath(obj, path, value) {
  const keys = path.split(".");
  const last = keys.pop();
  keys.reduce((o, k) => o[k], obj)[last] = value;
}

async function settingsPage() {
  const [config, features] = await Promise.all([api("GET", "/system-config"), api("GET", "/server/features")]);
  const error = el("p", { class: "form-error", role: "alert" });
  const inputs = [];
  const sections = SETTINGS.map(([title, fields]) =>
    el("fieldset", { class: "stack" }, el("legend", {}, title),
      ...fields.map(([path, label, type, min]) => {
        const value = getPath(config, path);
        const input = el("input", { name: path, type, min, disabled: features.configFile });
        if (type === "checkbox") input.checked = value;
        else input.value = value;
        inputs.push([path, type, input]);
        return el("label", { class: type === "checkbox" ? "check-line" : "" }, ...(type === "checkbox" ? [input, label] : [label, input]));
      })),
  );
  const form = el("form", { class: "stack settings" },
    features.configFile ? el("p", {}, "These settings come from a config file and cannot be changed here.") : null,
    ...sections, error,
    el("button", { type: "submit", disabled: features.configFile }, "Save settings"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const next = structuredClone(config);
    for (const [path, type, input] of inputs) {
      input.removeAttribute("aria-invalid");
      setPath(next, path, type === "checkbox" ? input.checked : type === "number" ? Number(input.value) : input.value);
    }
    try {
      await api("PUT", "/system-config", next);
      toast("Settings saved");
      settingsPage();
    } catch (err) {
      error.textContent = err.message;
      // The server names the setting it refused; mark its field.
      const [, , field] = inputs.find(([path]) => err.message.toLowerCase().includes(path.split(".")[0].replace(/([A-Z])/g, " $1").toLowerCase())) || [];
      field?.setAttribute("aria-invalid", "true");
    }
  });
  app.replaceChildren(header(), el("main", { class: "page admin" }, el("h1", {}, "Settings"), form));
}

// ---- shared links, as a visitor sees them ---------------------------------------------------

async function sharePage(credential) {
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

function sharePasswordPage(credential, query) {
  formPage("This link is protected", [["password", "Password", "password"]], "Open", async (v) => {
    try {
      await api("POST", `/shared-links/login?${query}`, { password: v.password });
    } catch (err) {
      throw new Error(err.status === 401 ? "Wrong password" : err.message);
    }
    return sharePage(credential);
  });
}

// ---- upload --------------------------------------------------------------------------------

/// Files dropped anywhere on the page are uploaded (with `query`, into a shared link).
function setUpDrop(drop, query = "") {
  let depth = 0;
  window.ondragenter = (e) => {
    if (!e.dataTransfer?.types?.includes("Files")) return;
    depth++;
    drop.hidden = false;
  };
  window.ondragleave = () => {
    depth = Math.max(0, depth - 1);
    if (!depth) drop.hidden = true;
  };
  window.ondragover = (e) => e.preventDefault();
  window.ondrop = (e) => {
    e.preventDefault();
    depth = 0;
    drop.hidden = true;
    upload([...(e.dataTransfer?.files || [])], query);
  };
}

/// Pages without uploads take no drops.
function clearDrop() {
  window.ondragenter = window.ondragleave = window.ondragover = window.ondrop = null;
}

function uploadOne(file, row, query) {
  return new Promise((resolve) => {
    const form = new FormData();
    const modified = new Date(file.lastModified || Date.now()).toISOString();
    form.append("deviceAssetId", `web-${file.name}-${file.size}-${file.lastModified}`);
    form.append("deviceId", "WEB");
    form.append("fileCreatedAt", modified);
    form.append("fileModifiedAt", modified);
    form.append("isFavorite", "false");
    // Uploaded from the locked folder: straight into it, as Immich's web does.
    if (!query && state.scope.view === "/locked") form.append("visibility", "locked");
    form.append("assetData", file, file.name);
    const xhr = new XMLHttpRequest();
    const bar = row.querySelector("progress");
    const status = row.querySelector(".status");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = e.loaded / e.total;
      row.dispatchEvent(new Event("progress-changed", { bubbles: true }));
    };
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status === 201) {
        status.textContent = "uploaded";
        row.classList.add("done");
        resolve("created");
      } else if (xhr.status === 200 && body.status === "duplicate") {
        status.textContent = "already in your library";
        row.classList.add("duplicate");
        resolve("duplicate");
      } else {
        status.textContent = body.message || `failed (${xhr.status})`;
        row.classList.add("failed");
        resolve("failed");
      }
      bar.value = 1;
      row.dispatchEvent(new Event("progress-changed", { bubbles: true }));
    };
    xhr.onerror = () => {
      status.textContent = "network error";
      row.classList.add("failed");
      resolve("failed");
    };
    xhr.open("POST", `/api/assets${query}`);
    xhr.send(form);
  });
}

/// Uploads `files`, as the signed-in user or, with `query` (`?key=...`), into a shared link that
/// allows uploads; then draws the page again.
async function upload(files, query = "") {
  if (!files.length) return;
  let panel = document.getElementById("uploads");
  if (!panel) {
    // Pages other than the timeline have no upload panel of their own.
    panel = el("ul", { class: "uploads", id: "uploads" });
    document.body.append(panel);
  }
  // One card per batch: overall progress and a summary; the files' list folds away when long.
  const total = files.length;
  const summary = el("span", { class: "upload-summary" }, `Uploading ${total} ${total === 1 ? "file" : "files"}`);
  const overall = el("progress", { max: 1, value: 0, "aria-label": "Upload progress" });
  const list = el("ul", { class: "upload-files" });
  const toggle = el("button", { type: "button", class: "quiet upload-toggle" });
  const fold = (hidden) => {
    list.hidden = hidden;
    toggle.textContent = hidden ? "Show files" : "Hide files";
    toggle.setAttribute("aria-expanded", String(!hidden));
  };
  toggle.addEventListener("click", () => fold(!list.hidden));
  fold(total > 3);
  const card = el("li", { class: "upload-card" }, el("div", { class: "upload-head" }, summary, toggle), overall, list);
  panel.append(card);
  const results = { created: 0, duplicate: 0, failed: 0 };
  const queue = files.map((file) => {
    const row = el("li", { class: "upload" }, el("span", { class: "name" }, file.name), el("progress", { max: 1, value: 0 }), el("span", { class: "status" }, "waiting"));
    list.append(row);
    return { file, row };
  });
  const rows = queue.map((q) => q.row.querySelector("progress"));
  list.addEventListener("progress-changed", () => {
    overall.value = rows.reduce((sum, bar) => sum + bar.value, 0) / total;
  });
  // Three at a time, like the Immich web client.
  let done = 0;
  const workers = Array.from({ length: 3 }, async () => {
    while (queue.length) {
      const { file, row } = queue.shift();
      row.querySelector(".status").textContent = "uploading";
      results[await uploadOne(file, row, query)]++;
      summary.textContent = `Uploading: ${++done} of ${total}`;
    }
  });
  await Promise.all(workers);
  const parts = [`${results.created} uploaded`];
  if (results.duplicate) parts.push(`${results.duplicate} already there`);
  if (results.failed) parts.push(`${results.failed} failed`);
  summary.textContent = parts.join(", ");
  // Red only when nothing went in; a batch with some failures warns, and keeps its card (the
  // failed files listed) until closed.
  const kind = !results.failed ? "info" : results.created + results.duplicate ? "warning" : "error";
  toast(parts.join(", "), kind);
  if (results.failed) {
    fold(false);
    card.classList.add("has-failures");
    card.querySelector(".upload-head").append(el("button", { type: "button", class: "quiet", "aria-label": "Close", onclick: () => card.remove() }, "✕"));
  } else {
    setTimeout(() => card.remove(), 4000);
  }
  // Thumbnails are made in the background; the grid shows placeholders until they exist, and the
  // live events redraw their months when they do. Draw the page again for the new photos, unless
  // the viewer is open by then (drawing again would open it anew under the user).
  if (results.created) setTimeout(() => document.querySelector(".viewer") || route(), 1500);
}

// ---- the viewer ----------------------------------------------------------------------------

async function openViewer(id) {
  viewerClose?.(true);
  document.querySelector(".viewer")?.remove();
  let current = id;
  const media = el("div", { class: "media" });
  const download = el("a", {
    class: "button",
    id: "download-original",
    "aria-label": "Download",
    hidden: Boolean(state.scope.link && !state.scope.link.allowDownload),
  }, "⬇");
  const info = el("aside", { class: "info", hidden: true });
  // The owner moves a photo in or out of the locked folder from here too.
  let shownAsset = null;
  const lockToggle = el("button", { type: "button", class: "lock-toggle", hidden: true, onclick: guard("Cannot move it", async () => {
    const asset = shownAsset;
    if (!asset || !(await moveLocked([asset.id], asset.visibility !== "locked"))) return;
    close(false, route);
  }) });
  // The viewer's addresses are under the page's own: /locked/photos/<id> in the locked folder.
  const home = state.scope.view === "/locked" ? "/locked" : "/photos";
  // Opening from a page adds the photo's address to the history (Back closes the viewer); one
  // opened by its address was drawn over its page, where closing leaves it. `then` runs once
  // the address is the page's again.
  const from = location.pathname + location.search;
  let pushed = false;
  const close = (fromHistory = false, then = null) => {
    overlay.remove();
    document.removeEventListener("keydown", keys);
    viewerClose = null;
    // Back in the grid where the viewer left off.
    state.grid?.scrollToAsset(current);
    if (fromHistory || state.scope.query) return then?.();
    if (pushed) {
      ignorePop = true;
      afterPop = then;
      history.back();
    } else {
      if (location.pathname !== home) history.replaceState(null, "", home);
      then?.();
    }
  };
  viewerClose = close;
  viewerClose.from = from.includes("/photos/") ? home : from;
  // The asset shown last, once its month is known to the grid (stepping waits for it).
  let shown = Promise.resolve();
  const step = async (delta) => {
    await shown;
    const next = await state.grid?.neighbour(current, delta);
    if (next) shown = show(next.id);
  };
  const overlay = el(
    "div",
    { class: "viewer", role: "dialog", "aria-label": "Photo viewer" },
    el(
      "div",
      { class: "viewer-bar" },
      el("button", { type: "button", "aria-label": "Close", onclick: () => close() }, "✕"),
      el("span", { class: "spacer" }),
      lockToggle,
      download,
      el("button", { type: "button", class: "info-button", "aria-label": "Info", onclick: () => (info.hidden = !info.hidden) }, "i"),
    ),
    el("button", { type: "button", class: "nav prev", "aria-label": "Previous", onclick: () => step(-1) }, "‹"),
    media,
    el("button", { type: "button", class: "nav next", "aria-label": "Next", onclick: () => step(1) }, "›"),
    info,
  );
  const keys = (e) => {
    // A dialog over the viewer (moving to the locked folder) takes the keys.
    if (document.querySelector("dialog[open]")) return;
    if (e.key === "ArrowRight") step(1);
    else if (e.key === "ArrowLeft") step(-1);
    else if (e.key === "Escape") close();
    else if (e.key === "i") info.hidden = !info.hidden;
  };
  document.addEventListener("keydown", keys);
  // Swipe left or right on touch screens.
  let touchX = null;
  media.addEventListener("touchstart", (e) => (touchX = e.touches[0].clientX), { passive: true });
  media.addEventListener("touchend", (e) => {
    if (touchX === null) return;
    const dx = e.changedTouches[0].clientX - touchX;
    if (Math.abs(dx) > 50) step(dx < 0 ? 1 : -1);
    touchX = null;
  });
  document.body.append(overlay);

  async function show(assetId) {
    current = assetId;
    overlay.dataset.id = assetId;
    if (!state.scope.query) {
      const address = `${home === "/locked" ? "/locked" : ""}/photos/${assetId}`;
      if (!pushed && !from.includes("/photos/")) {
        history.pushState(null, "", address);
        pushed = true;
      } else {
        history.replaceState(null, "", address);
      }
    }
    let asset;
    try {
      asset = await api("GET", `/assets/${assetId}${linkQuery("?")}`);
    } catch (err) {
      toast(`Cannot open this asset: ${err.message}`, "error");
      return;
    }
    if (current !== assetId) return;
    // Opened by its address (/photos/<id>): fetch its month so the viewer can step from it.
    await state.grid?.loadMonthOf(assetId, asset.localDateTime);
    if (asset.type === "VIDEO") {
      media.replaceChildren(
        el("video", { src: `/api/assets/${assetId}/video/playback${linkQuery("?")}`, controls: true, autoplay: true, poster: `/api/assets/${assetId}/thumbnail?size=preview${linkQuery()}` }),
      );
    } else {
      const img = el("img", { class: "preview", alt: asset.originalFileName, src: `/api/assets/${assetId}/thumbnail?size=preview${linkQuery()}` });
      // Zoom: a click doubles the size around the clicked point; another click resets it.
      img.addEventListener("click", (e) => {
        const zoomed = img.classList.toggle("zoomed");
        if (zoomed) {
          const r = img.getBoundingClientRect();
          img.style.transformOrigin = `${((e.clientX - r.left) / r.width) * 100}% ${((e.clientY - r.top) / r.height) * 100}%`;
        }
      });
      // No broken-image icon: say what happened, and keep the viewer's controls.
      img.addEventListener("error", () => {
        if (img.isConnected) {
          img.replaceWith(el("p", { class: "preview-failed", role: "img", "aria-label": asset.originalFileName }, "This photo has no preview yet, or it cannot be shown."));
        }
      });
      media.replaceChildren(img);
    }
    info.replaceChildren(...infoRows(asset));
    shownAsset = asset;
    lockToggle.hidden = !(state.user && asset.ownerId === state.user.id && !asset.isTrashed && !state.scope.link);
    lockToggle.textContent = asset.visibility === "locked" ? "Move out of locked folder" : "Move to locked folder";
    // Originals: for the owner, and for a link's visitors only when it allows downloads.
    const link = state.scope.link;
    download.hidden = Boolean(link && !link.allowDownload);
    download.href = `/api/assets/${assetId}/original${linkQuery("?")}`;
    download.setAttribute("download", asset.originalFileName);
  }
  shown = show(id);
  await shown;
}

function infoRows(asset) {
  const e = asset.exifInfo || {};
  const rows = [
    ["File", asset.originalFileName],
    ["Taken", e.dateTimeOriginal ? new Date(e.dateTimeOriginal).toLocaleString() : new Date(asset.localDateTime).toLocaleString()],
    ["Place", [e.city, e.state, e.country].filter(Boolean).join(", ")],
    // Models often start with the make ("Canon EOS M50"): not twice.
    ["Camera", e.model && e.make && e.model.toLowerCase().startsWith(e.make.toLowerCase()) ? e.model : [e.make, e.model].filter(Boolean).join(" ")],
    ["Lens", e.lensModel],
    ["Exposure", [e.fNumber && `ƒ/${e.fNumber}`, e.exposureTime && `${e.exposureTime} s`, e.focalLength && `${e.focalLength} mm`, e.iso && `ISO ${e.iso}`].filter(Boolean).join(" · ")],
    ["Size", e.exifImageWidth ? `${e.exifImageWidth} × ${e.exifImageHeight}` : asset.width ? `${asset.width} × ${asset.height}` : ""],
  ];
  return [
    el("h2", {}, "Details"),
    el("dl", {}, ...rows.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))])),
  ];
}

route();
