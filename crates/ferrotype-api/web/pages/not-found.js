// The page for an address the app does not have: it says so (instead of showing the timeline
// under a wrong address) and leads back.

import { html } from "/ui.js";

export function NotFound({ path, onHome }) {
  const home = (e) => {
    e.preventDefault();
    onHome();
  };
  return html`<section class="not-found card">
    <h1>Page not found</h1>
    <p>There is no page at <code>${path}</code>.</p>
    <a class="button" href="/photos" onClick=${home}>Back to the photos</a>
  </section>`;
}
