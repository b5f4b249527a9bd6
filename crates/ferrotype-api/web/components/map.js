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
      try {
        const [maplibre, style] = await Promise.all([loadMapLibre(), mapStyle()]);
        if (cancelled) return;
        if (!style) return setStatus("off");
        map = new maplibre.Map({
          container: holder.current,
          style,
          center: point ? [point.lon, point.lat] : [0, 20],
          zoom: point ? 9 : 0.5,
          attributionControl: { compact: true },
        });
        const marker = new maplibre.Marker({ color: "#4250af" });
        if (point) marker.setLngLat([point.lon, point.lat]).addTo(map);
        const pick = (lngLat) => {
          marker.setLngLat(lngLat).addTo(map);
          onPick({ lat: round(lngLat.lat), lon: round(lngLat.lng) });
        };
        map.on("click", (e) => pick(e.lngLat));
        map.getCanvas().addEventListener("keydown", (e) => {
          if (e.key === "Enter") pick(map.getCenter());
        });
        map.on("load", () => !cancelled && setStatus("ready"));
        map.on("error", () => !cancelled && setStatus((s) => (s === "ready" ? s : "failed")));
        view.current = { map, marker };
      } catch {
        if (!cancelled) setStatus("failed");
      }
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
