// The top bar of the signed-in pages: a skip link, the app's pages, upload, the user, sign out.
// On a phone the pages are a drawer behind a menu button (app.css draws both layouts from the
// same nodes), so every page keeps 44 px targets at 360 px.

import { api } from "/api.js";
import { el } from "/dom.js";
import { state } from "/state.js";
import { navigate } from "/router.js";
import { live } from "/live.js";
import { upload } from "/components/upload.js";
import { accountLink } from "/components/avatar.js";
import { searchAddress, searchOfAddress } from "/components/search-address.js";

/// The app's pages in the navigation, in Immich's order of its side bar.
function links() {
  return [["/photos", "Photos"], ["/explore", "Explore"], ["/map", "Map"], ["/albums", "Albums"], ["/tags", "Tags"], ["/folders", "Folders"], ["/favorites", "Favorites"], ["/archive", "Archive"], ["/locked", "Locked folder"], ["/sharing", "Sharing"], ["/trash", "Trash"]]
    .concat(state.user.isAdmin ? [["/admin", "Administration"]] : []);
}

/// Whether `href` is the page shown or one of its subpages (`/` is the photos).
function isCurrent(href) {
  const here = location.pathname === "/" ? "/photos" : location.pathname;
  return here === href || here.startsWith(`${href}/`);
}

export function header() {
  const picker = el("input", { type: "file", multiple: true, accept: "image/*,video/*", id: "upload-input", hidden: true });
  picker.addEventListener("change", () => upload([...picker.files]).then(() => (picker.value = "")));
  const nav = el("nav", { class: "nav-links", id: "site-nav", "aria-label": "Pages" },
    ...links().map(([href, label]) => el("a", {
      href,
      class: "nav-link",
      // The page shown (and its subpages) is marked for the eye and for screen readers.
      "aria-current": isCurrent(href) ? "page" : null,
      onclick: (e) => (e.preventDefault(), setOpen(false), navigate(href)),
    }, label)));
  const menu = el("button", {
    type: "button",
    class: "quiet menu-button icon-menu",
    "aria-label": "Menu",
    "aria-expanded": "false",
    "aria-controls": "site-nav",
    onclick: () => setOpen(menu.getAttribute("aria-expanded") !== "true"),
  });
  const bar = el(
    "header",
    { class: "topbar" },
    el("a", { href: "#main", class: "skip-link", onclick: skipToContent }, "Skip to content"),
    menu,
    el("a", { href: "/photos", class: "brand", onclick: (e) => (e.preventDefault(), navigate("/photos")) }, "Ferrotype"),
    nav,
    el("span", { class: "spacer" }),
    searchBox(),
    el("button", { type: "button", id: "upload-button", class: "icon-upload", onclick: () => picker.click() }, "Upload"),
    picker,
    accountLink(state.user, navigate),
    el("button", { type: "button", class: "quiet icon-sign-out", onclick: logout }, "Sign out"),
  );
  // The drawer closes on Escape (focus back on its button) and on a click outside it.
  function setOpen(open) {
    menu.setAttribute("aria-expanded", String(open));
    bar.classList.toggle("menu-open", open);
    if (open) nav.querySelector("a")?.focus();
  }
  bar.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && bar.classList.contains("menu-open")) {
      setOpen(false);
      menu.focus();
    }
  });
  const outside = (e) => {
    if (!bar.isConnected) return document.removeEventListener("click", outside);
    if (bar.classList.contains("menu-open") && !nav.contains(e.target) && !menu.contains(e.target)) setOpen(false);
  };
  document.addEventListener("click", outside);
  // The scrubber and other sticky parts sit below the bar, whose height changes with the width.
  new ResizeObserver(() => document.documentElement.style.setProperty("--topbar-height", `${bar.offsetHeight}px`)).observe(bar);
  return bar;
}

/// The search box (Immich's search bar): Enter searches file names (`/search?query=`); its button
/// opens the search page with every filter. On a phone only the button shows (the page has the
/// field). The search shown is its text.
function searchBox() {
  const shown = location.pathname === "/search" ? searchOfAddress() : null;
  const input = el("input", {
    type: "search",
    name: "q",
    class: "header-search-input",
    "aria-label": "Search your photos",
    placeholder: "Search your photos",
    value: shown?.originalFileName || "",
  });
  return el("form", {
    class: "header-search",
    role: "search",
    "aria-label": "Search",
    onsubmit: (e) => {
      e.preventDefault();
      const text = input.value.trim();
      navigate(text && input.checkVisibility() ? searchAddress({ originalFileName: text }) : "/search");
    },
  }, input, el("button", { type: "submit", class: "quiet icon-search", "aria-label": "Search" }));
}

/// The skip link moves the focus to the page's main part (past the navigation).
function skipToContent(e) {
  e.preventDefault();
  const main = document.querySelector("main");
  if (!main) return;
  main.setAttribute("tabindex", "-1");
  main.focus();
}

export async function logout() {
  live.disconnect();
  await api("POST", "/auth/logout").catch(() => {});
  state.user = null;
  navigate("/");
}
