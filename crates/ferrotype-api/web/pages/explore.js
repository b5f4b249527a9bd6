// Explore (/explore, Immich's explore page): the places the user's photos were taken
// (`GET /search/explore`'s `exifInfo.city` items: a card per city with one of its photos, which
// opens a search for that city), ways into the library (the map, favourites, videos, tags,
// folders), and the photos added last (its `createdAt` items).

import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { useEffect, useState } from "preact/hooks";
import { state } from "/state.js";
import { navigate } from "/router.js";
import { Header } from "/components/header.js";
import { openViewer } from "/components/viewer.js";
import { searchAddress } from "/components/search-address.js";

export const STRINGS = {
  title: "Explore",
  places: "Places",
  noPlaces: "Places show here once five or more of your photos were taken in the same city.",
  more: "Ways in",
  map: "Map",
  favorites: "Favorites",
  videos: "Videos",
  tags: "Tags",
  folders: "Folders",
  recent: "Recently added",
  noRecent: "No photos yet.",
  open: "Open photo",
  cannotLoad: (message) => `Cannot load: ${message}`,
};

export function explorePage() {
  state.scope = {};
  showPage(html`<${Header} /><main class="page explore-page"><${Explore} /></main>`);
}

/// A link inside the app (drawn by the router, not reloaded).
function AppLink({ href, children, ...rest }) {
  return html`<a href=${href} ...${rest} onClick=${(e) => (e.preventDefault(), navigate(href))}>${children}</a>`;
}

function Explore() {
  const [fields, setFields] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api("GET", "/search/explore").then(setFields, (err) => setError(err.message));
  }, []);
  const items = (name) => fields?.find((f) => f.fieldName === name)?.items || [];
  const cities = items("exifInfo.city");
  const recent = items("createdAt");
  const ways = [
    ["/map", STRINGS.map],
    ["/favorites", STRINGS.favorites],
    [searchAddress({ type: "VIDEO" }), STRINGS.videos],
    ["/tags", STRINGS.tags],
    ["/folders", STRINGS.folders],
  ];
  return html`<h1>${STRINGS.title}</h1>
    ${error && html`<p class="form-error" role="alert">${STRINGS.cannotLoad(error)}</p>`}
    <section aria-labelledby="explore-places">
      <h2 id="explore-places">${STRINGS.places}</h2>
      ${fields &&
      (cities.length
        ? html`<ul class="place-cards">
            ${cities.map(
              (c) => html`<li key=${c.value}>
                <${AppLink} class="place-card" href=${searchAddress({ city: c.value })}>
                  <img src=${`/api/assets/${c.data.id}/thumbnail?size=thumbnail`} alt="" loading="lazy" />
                  <span>${c.value}</span>
                <//>
              </li>`,
            )}
          </ul>`
        : html`<p class="muted">${STRINGS.noPlaces}</p>`)}
    </section>
    <section aria-labelledby="explore-ways">
      <h2 id="explore-ways">${STRINGS.more}</h2>
      <ul class="explore-links">
        ${ways.map(([href, label]) => html`<li><${AppLink} class="button" href=${href}>${label}<//></li>`)}
      </ul>
    </section>
    <section aria-labelledby="explore-recent">
      <h2 id="explore-recent">${STRINGS.recent}</h2>
      ${fields &&
      (recent.length
        ? html`<ul class="recent-strip">
            ${recent.map(
              (r) => html`<li key=${r.data.id}>
                <button type="button" class="recent-photo" aria-label=${`${STRINGS.open} ${r.data.originalFileName}`}
                  onClick=${() => openViewer(r.data.id)}>
                  <img src=${`/api/assets/${r.data.id}/thumbnail?size=thumbnail`} alt="" loading="lazy" />
                </button>
              </li>`,
            )}
          </ul>`
        : html`<p class="muted">${STRINGS.noRecent}</p>`)}
    </section>`;
}
