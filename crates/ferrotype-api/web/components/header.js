// The top bar of the signed-in pages: the app's pages, upload, the user, sign out.

import { api } from "/api.js";
import { el } from "/dom.js";
import { state } from "/state.js";
import { navigate } from "/router.js";
import { live } from "/live.js";
import { upload } from "/components/upload.js";
import { accountLink } from "/components/avatar.js";

export function header() {
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

export async function logout() {
  live.disconnect();
  await api("POST", "/auth/logout").catch(() => {});
  state.user = null;
  navigate("/");
}
