// Ferrotype's web app: plain ES modules, no build step, talking only to the public API (the
// same routes the Immich clients use). This module routes addresses to pages (pages/, one module
// each) and ties the browser's history to the viewer; shared parts live in components/, the
// component model (Preact with htm and signals) in ui.js. docs/ARCHITECTURE.md has the layout.

import { api } from "/api.js";
import { html, setTitle, showPage } from "/ui.js";
import { state } from "/state.js";
import { route, navigate, drawPagesWith } from "/router.js";
import { live } from "/live.js";
import { Header } from "/components/header.js";
import { me } from "/components/avatar.js";
import { clearDrop } from "/components/upload.js";
import { renderSelectionBar } from "/components/selection.js";
import { openViewer, viewerHistory } from "/components/viewer.js";
import "/theme.js";
import { NotFound } from "/pages/not-found.js";
import { showAccount } from "/pages/account.js";
import { showOnboarding } from "/pages/onboarding.js";
import { showChangePassword } from "/pages/change-password.js";
import { signUpPage, loginPage } from "/pages/sign-in.js";
import { VIEWS, timelinePage } from "/pages/timeline.js";
import { lockedPage } from "/pages/locked.js";
import { albumsPage, albumPage, albumAddPhotosPage } from "/pages/albums.js";
import { sharingPage } from "/pages/sharing.js";
import { adminPage } from "/pages/admin.js";
import { settingsPage } from "/pages/admin-settings.js";
import { sharePage } from "/pages/shared-link.js";
import { mapPage } from "/pages/map.js";
import { partnerPage } from "/pages/partners.js";
import { searchPage } from "/pages/search.js";
import { explorePage } from "/pages/explore.js";
import { tagsPage } from "/pages/tags.js";
import { foldersPage } from "/pages/folders.js";
import { maintenancePage, leaveMaintenancePage } from "/pages/maintenance.js";

// other moves draw the page of the new address.
window.addEventListener("popstate", () => {
  if (viewerHistory.ignorePop) {
    viewerHistory.ignorePop = false;
    const then = viewerHistory.afterPop;
    viewerHistory.afterPop = null;
    then?.();
    return;
  }
  if (viewerHistory.close) {
    const from = viewerHistory.close.from;
    viewerHistory.close(true);
    if (location.pathname + location.search === from) return;
  }
  route();
});

// The locked folder's unlock ended (timed out, or locked from another page): back to its PIN
// prompt. The API client announces every 401 with the server's message.
window.addEventListener("api-unauthorized", (e) => {
  if (e.detail === "Elevated permission is required" && location.pathname.startsWith("/locked")) setTimeout(route, 0);
});

/// Draws the page of the address shown (given to the router).
/// How many draws have begun: a draw that finds a later one begun after one of its waits stops,
/// so a slow earlier draw (the photos still loading the user) cannot replace the page asked
/// for after it (a search typed meanwhile).
let drawsBegun = 0;

async function draw() {
  const mine = ++drawsBegun;
  const superseded = () => mine !== drawsBegun;
  const path = location.pathname;
  viewerHistory.close?.(true);
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
  if (superseded()) return;
  leaveMaintenancePage();
  if (config.maintenanceMode) {
    // An open socket (of a user signed in before) still answers in maintenance and says when
    // it ends; the page also checks by itself.
    setTitle("Maintenance");
    return maintenancePage(route);
  }
  if (path === "/maintenance") {
    history.replaceState(null, "", "/photos");
    return draw();
  }
  if (!config.isInitialized) {
    setTitle("Welcome");
    return signUpPage();
  }
  const user = await api("GET", "/users/me").catch(() => null);
  if (superseded()) return;
  state.user = user;
  // The header's link to the account page follows this user (the account page changes it).
  me.value = user;
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
    ["/map", "Map", () => mapPage()],
    ["/albums", "Albums", () => albumsPage()],
    ["/sharing", "Sharing", () => sharingPage()],
    ["/admin", "Administration", () => adminPage()],
    ["/account", "Account settings", () => showAccount()],
    ["/onboarding", "Welcome", () => showOnboarding(state.user, navigate)],
    ["/change-password", "Change password", () => showChangePassword(state.user, navigate)],
    ["/admin/settings", "Settings", () => settingsPage()],
    [/^\/albums\/[^/]+$/, "Album", (path) => albumPage(path.slice("/albums/".length))],
    [/^\/albums\/[^/]+\/add-photos$/, "Add photos", (path) => albumAddPhotosPage(path.split("/")[2])],
    [/^\/partners\/[^/]+$/, "Partner", (path) => partnerPage(path.slice("/partners/".length))],
    // Their state is in the address's query (a search, a tag, a folder), so Back shows it again.
    ["/search", "Search", () => searchPage()],
    ["/explore", "Explore", () => explorePage()],
    ["/tags", "Tags", () => tagsPage()],
    ["/folders", "Folders", () => foldersPage()],
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
  showPage(html`<${Header} /><main class="photos"><${NotFound} path=${path} onHome=${() => navigate("/photos")} /></main>`);
}

drawPagesWith(draw);
route();
