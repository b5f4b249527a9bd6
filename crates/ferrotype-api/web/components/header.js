// The top bar of the signed-in pages: a skip link, the app's pages, upload, the user, sign out.
// On a phone the pages are a drawer behind a menu button (app.css draws both layouts from the
// same nodes), so every page keeps 44 px targets at 360 px.

import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api } from "/api.js";
import { html } from "/ui.js";
import { state } from "/state.js";
import { navigate } from "/router.js";
import { live } from "/live.js";
import { UploadButton } from "/components/upload.js";
import { AccountLink } from "/components/avatar.js";
import { searchAddress, searchOfAddress } from "/components/search-address.js";

const STRINGS = {
  skip: "Skip to content",
  menu: "Menu",
  brand: "Ferrotype",
  pages: "Pages",
  signOut: "Sign out",
  search: "Search",
  searchPhotos: "Search your photos",
  photos: "Photos",
  explore: "Explore",
  map: "Map",
  albums: "Albums",
  tags: "Tags",
  folders: "Folders",
  favorites: "Favorites",
  archive: "Archive",
  locked: "Locked folder",
  sharing: "Sharing",
  trash: "Trash",
  admin: "Administration",
};

/// The app's pages in the navigation, in Immich's order of its side bar.
function links() {
  const s = STRINGS;
  return [["/photos", s.photos], ["/explore", s.explore], ["/map", s.map], ["/albums", s.albums], ["/tags", s.tags], ["/folders", s.folders], ["/favorites", s.favorites], ["/archive", s.archive], ["/locked", s.locked], ["/sharing", s.sharing], ["/trash", s.trash]]
    .concat(state.user.isAdmin ? [["/admin", s.admin]] : []);
}

/// Whether `href` is the page shown or one of its subpages (`/` is the photos).
function isCurrent(href) {
  const here = location.pathname === "/" ? "/photos" : location.pathname;
  return here === href || here.startsWith(`${href}/`);
}

export function Header() {
  const [open, setOpen] = useState(false);
  const bar = useRef(null);
  const nav = useRef(null);
  const menu = useRef(null);
  useEffect(() => {
    // The scrubber and other sticky parts sit below the bar, whose height changes with the width.
    const node = bar.current;
    const sized = new ResizeObserver(() => node.isConnected && document.documentElement.style.setProperty("--topbar-height", `${node.offsetHeight}px`));
    sized.observe(node);
    return () => sized.disconnect();
  }, []);
  // The drawer closes on Escape (focus back on its button) and on a click outside it. Its first
  // link takes the focus as soon as it opens (a layout effect: before the next key).
  useLayoutEffect(() => {
    if (!open) return;
    nav.current.querySelector("a")?.focus();
    const outside = (e) => !nav.current?.contains(e.target) && !menu.current?.contains(e.target) && setOpen(false);
    document.addEventListener("click", outside);
    return () => document.removeEventListener("click", outside);
  }, [open]);
  const keys = (e) => {
    if (e.key === "Escape" && open) {
      setOpen(false);
      menu.current.focus();
    }
  };
  const go = (href) => (e) => {
    e.preventDefault();
    setOpen(false);
    navigate(href);
  };
  return html`<header ref=${bar} class=${open ? "topbar menu-open" : "topbar"} onKeyDown=${keys}>
    <a href="#main" class="skip-link" onClick=${skipToContent}>${STRINGS.skip}</a>
    <button ref=${menu} type="button" class="quiet menu-button icon-menu" aria-label=${STRINGS.menu} aria-expanded=${String(open)}
      aria-controls="site-nav" onClick=${() => setOpen(!open)}></button>
    <a href="/photos" class="brand" onClick=${go("/photos")}>${STRINGS.brand}</a>
    <nav ref=${nav} class="nav-links" id="site-nav" aria-label=${STRINGS.pages}>
      ${links().map(([href, label]) =>
        // The page shown (and its subpages) is marked for the eye and for screen readers.
        html`<a href=${href} class="nav-link" aria-current=${isCurrent(href) ? "page" : null} onClick=${go(href)}>${label}</a>`)}
    </nav>
    <span class="spacer"></span>
    <${SearchBox} />
    <${UploadButton} class="icon-upload" />
    <${AccountLink} navigate=${navigate} />
    <button type="button" class="quiet icon-sign-out" onClick=${logout}>${STRINGS.signOut}</button>
  </header>`;
}

/// The search box (Immich's search bar): Enter searches file names (`/search?query=`); its button
/// opens the search page with every filter. On a phone only the button shows (the page has the
/// field). The search shown is its text.
function SearchBox() {
  const shown = location.pathname === "/search" ? searchOfAddress() : null;
  const input = useRef(null);
  const submit = (e) => {
    e.preventDefault();
    const text = input.current.value.trim();
    navigate(text && input.current.checkVisibility() ? searchAddress({ originalFileName: text }) : "/search");
  };
  return html`<form class="header-search" role="search" aria-label=${STRINGS.search} onSubmit=${submit}>
    <input ref=${input} type="search" name="q" class="header-search-input" aria-label=${STRINGS.searchPhotos}
      placeholder=${STRINGS.searchPhotos} defaultValue=${shown?.originalFileName || ""} />
    <button type="submit" class="quiet icon-search" aria-label=${STRINGS.search}></button>
  </form>`;
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
