// Maps, drawn by MapLibre GL (vendored from npm, loaded only when a map is first shown), with the
// style the admin chose in the system config (`map.lightStyle` / `map.darkStyle`, Immich's tiles
// by default) for the theme in use. A map that cannot load (the map turned off, no network to
// the style) says so; whatever it serves (picking a place) can still be done by hand.

import { api } from "/api.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "/ui.js";

let library = null;

/// MapLibre's module, with its stylesheet added to the page once.
export function loadMapLibre() {
  if (!library) {
    document.head.append(Object.assign(document.createElement("link"), { rel: "stylesheet", href: "/vendor/maplibre-gl.css" }));
    library = import("/vendor/maplibre-gl.mjs");
  }
  return library;
}

function darkTheme() {
  const chosen = document.documentElement.dataset.theme;
  return chosen ? chosen === "dark" : matchMedia("(prefers-color-scheme: dark)").matches;
}

/// The style URL for the theme in use, or null when the admin turned the map off.
export async function mapStyle() {
  const [features, config] = await Promise.all([api("GET", "/server/features"), api("GET", "/server/config")]);
  if (!features.map) return null;
  return darkTheme() ? config.mapDarkStyleUrl : config.mapLightStyleUrl;
}

/// Opens a map in `container` with the admin's style (`options`: MapLibre's, such as `center` and
/// `zoom`), reporting through `setStatus`: "off" when the admin turned maps off, "failed" when the
/// style or the library cannot load, "ready" once loaded (after `onLoad(map)`). Gives `{ map,
/// maplibre }`, or null when there is no map (or `isCancelled()` says the page went away).
export async function openMap(container, options, { isCancelled, setStatus, onLoad = () => {} }) {
  try {
    const [maplibre, style] = await Promise.all([loadMapLibre(), mapStyle()]);
    if (isCancelled()) return null;
    if (!style) {
      setStatus("off");
      return null;
    }
    const map = new maplibre.Map({ container, style, attributionControl: { compact: true }, ...options });
    map.on("error", () => !isCancelled() && setStatus((s) => (s === "ready" ? s : "failed")));
    map.on("load", () => {
      if (isCancelled()) return;
      onLoad(map);
      setStatus("ready");
    });
    return { map, maplibre };
  } catch {
    if (!isCancelled()) setStatus("failed");
    return null;
  }
}

/// A map to pick a point on: centred on `point` ({ lat, lon }, with a marker) or the whole
/// world; a click (or Enter on the map's centre, for keyboards) calls `onPick({ lat, lon })`.
export function PlacePicker({ point, onPick }) {
  const holder = useRef(null);
  const view = useRef(null);
  const [status, setStatus] = useState("loading");

  useEffect(() => {
    let map = null;
    let cancelled = false;
    (async () => {
      const opened = await openMap(
        holder.current,
        { center: point ? [point.lon, point.lat] : [0, 20], zoom: point ? 9 : 0.5 },
        { isCancelled: () => cancelled, setStatus },
      );
      if (!opened) return;
      map = opened.map;
      const marker = new opened.maplibre.Marker({ color: "#4250af" });
      if (point) marker.setLngLat([point.lon, point.lat]).addTo(map);
      const pick = (lngLat) => {
        marker.setLngLat(lngLat).addTo(map);
        onPick({ lat: round(lngLat.lat), lon: round(lngLat.lng) });
      };
      map.on("click", (e) => pick(e.lngLat));
      map.getCanvas().addEventListener("keydown", (e) => {
        if (e.key === "Enter") pick(map.getCenter());
      });
      view.current = { map, marker };
    })();
    return () => {
      cancelled = true;
      map?.remove();
    };
  }, []);

  // Coordinates typed by hand move the marker there.
  useEffect(() => {
    const v = view.current;
    if (v && point && Number.isFinite(point.lat) && Number.isFinite(point.lon)) v.marker.setLngLat([point.lon, point.lat]).addTo(v.map);
  }, [point?.lat, point?.lon]);

  const note =
    status === "off" ? "The map is turned off." : status === "failed" ? "The map cannot be shown; type the coordinates." : null;
  return html`<div class="place-picker" data-status=${status}>
    <div class="map" ref=${holder} role="application" aria-label="Map: click a place to choose it"></div>
    ${note && html`<p class="muted">${note}</p>`}
  </div>`;
}

/// Six decimals: about 10 cm, more than a click can mean.
function round(degrees) {
  return Math.round(degrees * 1e6) / 1e6;
}
