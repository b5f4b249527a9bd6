// The component model of the web UI's pages: Preact with htm templates (tagged template literals,
// no build step) and signals, vendored from npm (web/vendor/, see scripts/vendor-web). A page is
// a module under pages/ exporting its component; shared components live beside this file.

import { h, render } from "preact";
import htm from "htm";

export { render };
export { signal, computed, effect } from "@preact/signals";
export const html = htm.bind(h);

/// The tab's title for a page: "<page> – Ferrotype", or the name alone.
export function setTitle(page) {
  document.title = page ? `${page} – Ferrotype` : "Ferrotype";
}

/// Shows `vnode` as the page (in #app): the page before is unmounted first, its effects cleaned
/// up (a page's listeners, its grid's observers), whoever drew it.
export function showPage(vnode, root = document.getElementById("app")) {
  render(null, root);
  root.replaceChildren();
  render(vnode, root);
}
