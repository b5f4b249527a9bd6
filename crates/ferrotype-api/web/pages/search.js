// Search (/search, Immich's search page): the filter panel Immich's web has (text in the file
// name or the description, place, camera, dates taken, media type, display options; people left
// out until faces exist), each list of values from `GET /search/suggestions` narrowed by the
// other values chosen, and the results of `POST /search/metadata` as a grid grown page by page.
// The address keeps the search (`?query=` the filters as JSON, as Immich's web does), so Back
// and a reload show the same results.

import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { state } from "/state.js";
import { navigate } from "/router.js";
import { toast } from "/components/toast.js";
import { Header } from "/components/header.js";
import { resultsGrid } from "/components/results-grid.js";
import { searchAddress, searchOfAddress } from "/components/search-address.js";

export const STRINGS = {
  title: "Search",
  results: "Results",
  filters: "Filters",
  textIn: "Search in",
  fileName: "File name",
  description: "Description",
  text: "Text",
  place: "Place",
  country: "Country",
  state: "State",
  city: "City",
  camera: "Camera",
  make: "Make",
  model: "Model",
  lens: "Lens",
  dates: "Date taken",
  from: "From",
  to: "To",
  mediaType: "Media type",
  all: "All",
  image: "Image",
  video: "Video",
  display: "Display options",
  notInAlbum: "Not in any album",
  archived: "Archive",
  favorites: "Favorites",
  any: "Any",
  search: "Search",
  clear: "Clear all",
  noResults: "No photos match this search.",
  start: "Choose what to search for, then press Search.",
  cannotSearch: (message) => `Cannot search: ${message}`,
};

/// Results per page (Immich's web asks for 100).
const PAGE_SIZE = 100;

export function searchPage() {
  state.scope = {};
  showPage(html`<${Header} /><${Search} query=${searchOfAddress()} />`);
}

/// The page: the filters (folded over results, open on an empty search), then the results in
/// the grid (mounted into their section once the first page is read).
function Search({ query }) {
  const [note, setNote] = useState(query ? null : STRINGS.start);
  const results = useRef(null);
  useEffect(() => {
    if (!query) return;
    const size = query.size || PAGE_SIZE;
    const fetchPage = async (page) => {
      const answer = await api("POST", "/search/metadata", { ...query, size, page });
      return { items: answer.assets.items, nextPage: answer.assets.nextPage ? Number(answer.assets.nextPage) : null };
    };
    resultsGrid(results.current, fetchPage).then(
      (grid) => grid || setNote(STRINGS.noResults),
      (err) => toast(STRINGS.cannotSearch(err.message), "error"),
    );
  }, []);
  return html`<main class="page search-page">
    <h1>${STRINGS.title}</h1>
    <details class="search-details" open=${!query}>
      <summary>${STRINGS.filters}</summary>
      <div class="search-panel"><${SearchFilters} initial=${query || {}} /></div>
    </details>
    <section ref=${results} class="timeline search-results" aria-label=${STRINGS.results}>
      ${note && html`<p class="empty" role=${query ? "status" : undefined}>${note}</p>`}
    </section>
  </main>`;
}

/// The values of a suggestion list (`type`), narrowed by `narrow` ({ param: value }, empty ones
/// ignored); `[]` until they come.
function useSuggestions(type, narrow) {
  const [values, setValues] = useState([]);
  const params = new URLSearchParams({ type });
  for (const [k, v] of Object.entries(narrow)) if (v) params.set(k, v);
  const key = params.toString();
  useEffect(() => {
    let live = true;
    api("GET", `/search/suggestions?${key}`).then(
      (list) => live && setValues(list.filter((v) => v !== null)),
      () => live && setValues([]),
    );
    return () => (live = false);
  }, [key]);
  return values;
}

/// A list of values to pick one from (or Any); the value chosen stays listed even when the
/// narrowed suggestions no longer have it.
function Pick({ label, name, value, values, onPick }) {
  const options = value && !values.includes(value) ? [value, ...values] : values;
  return html`<label>${label}
    <select name=${name} value=${value || ""} onChange=${(e) => onPick(e.currentTarget.value)}>
      <option value="">${STRINGS.any}</option>
      ${options.map((v) => html`<option value=${v}>${v}</option>`)}
    </select>
  </label>`;
}

function SearchFilters({ initial }) {
  const [textIn, setTextIn] = useState(initial.description !== undefined ? "description" : "originalFileName");
  const [text, setText] = useState(initial.description ?? initial.originalFileName ?? "");
  const [f, setF] = useState({
    country: initial.country || "",
    state: initial.state || "",
    city: initial.city || "",
    make: initial.make || "",
    model: initial.model || "",
    lensModel: initial.lensModel || "",
    takenAfter: initial.takenAfter?.slice(0, 10) || "",
    takenBefore: initial.takenBefore?.slice(0, 10) || "",
    type: initial.type || "",
    isNotInAlbum: Boolean(initial.isNotInAlbum),
    archived: initial.visibility === "archive",
    isFavorite: Boolean(initial.isFavorite),
  });
  const set = (name) => (value) => setF((old) => ({ ...old, [name]: value }));
  // A place's lower levels depend on the higher ones: choosing a country clears state and city.
  const setPlace = (name) => (value) =>
    setF((old) => ({ ...old, [name]: value, ...(name === "country" ? { state: "", city: "" } : name === "state" ? { city: "" } : {}) }));
  const countries = useSuggestions("country", {});
  const states = useSuggestions("state", { country: f.country });
  const cities = useSuggestions("city", { country: f.country, state: f.state });
  const makes = useSuggestions("camera-make", { model: f.model, lensModel: f.lensModel });
  const models = useSuggestions("camera-model", { make: f.make, lensModel: f.lensModel });
  const lenses = useSuggestions("camera-lens-model", { make: f.make, model: f.model });

  const submit = (e) => {
    e.preventDefault();
    const filters = {
      [textIn]: text.trim(),
      country: f.country,
      state: f.state,
      city: f.city,
      make: f.make,
      model: f.model,
      lensModel: f.lensModel,
      takenAfter: f.takenAfter && `${f.takenAfter}T00:00:00.000Z`,
      takenBefore: f.takenBefore && `${f.takenBefore}T23:59:59.999Z`,
      type: f.type,
      isNotInAlbum: f.isNotInAlbum,
      visibility: f.archived ? "archive" : "",
      isFavorite: f.isFavorite,
      // A page size asked for in the address stays (the tests page through small pages).
      size: initial.size,
    };
    navigate(searchAddress(filters));
  };
  const radio = (name, value, label, current, onPick) =>
    html`<label class="check-line"><input type="radio" name=${name} value=${value} checked=${current === value}
      onChange=${() => onPick(value)} />${label}</label>`;
  const check = (name, label) =>
    html`<label class="check-line"><input type="checkbox" name=${name} checked=${f[name]}
      onChange=${(e) => set(name)(e.currentTarget.checked)} />${label}</label>`;
  return html`<form class="search-filters" role="search" aria-label=${STRINGS.filters} onSubmit=${submit}>
    <fieldset class="search-text">
      <legend>${STRINGS.textIn}</legend>
      <div class="choice-row">
        ${radio("textIn", "originalFileName", STRINGS.fileName, textIn, setTextIn)}
        ${radio("textIn", "description", STRINGS.description, textIn, setTextIn)}
      </div>
      <input type="search" name="text" aria-label=${STRINGS.text} placeholder=${textIn === "description" ? STRINGS.description : STRINGS.fileName}
        value=${text} onInput=${(e) => setText(e.currentTarget.value)} />
    </fieldset>
    <fieldset>
      <legend>${STRINGS.place}</legend>
      <div class="search-row">
        <${Pick} label=${STRINGS.country} name="country" value=${f.country} values=${countries} onPick=${setPlace("country")} />
        <${Pick} label=${STRINGS.state} name="state" value=${f.state} values=${states} onPick=${setPlace("state")} />
        <${Pick} label=${STRINGS.city} name="city" value=${f.city} values=${cities} onPick=${setPlace("city")} />
      </div>
    </fieldset>
    <fieldset>
      <legend>${STRINGS.camera}</legend>
      <div class="search-row">
        <${Pick} label=${STRINGS.make} name="make" value=${f.make} values=${makes} onPick=${set("make")} />
        <${Pick} label=${STRINGS.model} name="model" value=${f.model} values=${models} onPick=${set("model")} />
        <${Pick} label=${STRINGS.lens} name="lensModel" value=${f.lensModel} values=${lenses} onPick=${set("lensModel")} />
      </div>
    </fieldset>
    <fieldset>
      <legend>${STRINGS.dates}</legend>
      <div class="search-row">
        <label>${STRINGS.from}<input type="date" name="takenAfter" value=${f.takenAfter} onInput=${(e) => set("takenAfter")(e.currentTarget.value)} /></label>
        <label>${STRINGS.to}<input type="date" name="takenBefore" value=${f.takenBefore} onInput=${(e) => set("takenBefore")(e.currentTarget.value)} /></label>
      </div>
    </fieldset>
    <fieldset>
      <legend>${STRINGS.mediaType}</legend>
      <div class="choice-row">
        ${radio("type", "", STRINGS.all, f.type, set("type"))}
        ${radio("type", "IMAGE", STRINGS.image, f.type, set("type"))}
        ${radio("type", "VIDEO", STRINGS.video, f.type, set("type"))}
      </div>
    </fieldset>
    <fieldset>
      <legend>${STRINGS.display}</legend>
      <div class="choice-row">
        ${check("isNotInAlbum", STRINGS.notInAlbum)}
        ${check("archived", STRINGS.archived)}
        ${check("isFavorite", STRINGS.favorites)}
      </div>
    </fieldset>
    <div class="actions">
      <button type="submit">${STRINGS.search}</button>
      <button type="button" class="quiet" onClick=${() => navigate("/search")}>${STRINGS.clear}</button>
    </div>
  </form>`;
}
