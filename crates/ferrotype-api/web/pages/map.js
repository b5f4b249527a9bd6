// The map (Immich's map page): every photo with a position, clustered by MapLibre as the view
// zooms out (thousands of markers are one GeoJSON source; the clusters are counted in its worker),
// with Immich's filters (favourites, the archive, shared albums). A cluster's count is a button:
// it lists the photos under it beside the map; a single photo opens in the viewer.

import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { useEffect, useRef, useState } from "preact/hooks";
import { Header } from "/components/header.js";
import { openViewer } from "/components/viewer.js";
import { openMap } from "/components/map.js";

/// Cluster counts drawn as buttons over the map, at most this many at once (the view's largest
/// clusters); the circles underneath are drawn for all of them by MapLibre.
const MAX_COUNT_BUTTONS = 200;

/// A cluster's count button's name.
const PHOTOS_HERE = (n) => `${n} photos here`;

export function mapPage() {
  showPage(html`<${Header} /><main class="map-page"><${MapPage} /></main>`);
}

function markersQuery(filters) {
  const q = new URLSearchParams();
  if (filters.favorites) q.set("isFavorite", "true");
  if (filters.archived) q.set("isArchived", "true");
  if (filters.sharedAlbums) q.set("withSharedAlbums", "true");
  return q.toString();
}

function toGeoJson(markers) {
  return {
    type: "FeatureCollection",
    features: markers.map((m) => ({
      type: "Feature",
      geometry: { type: "Point", coordinates: [m.lon, m.lat] },
      properties: { id: m.id, place: [m.city, m.country].filter(Boolean).join(", ") },
    })),
  };
}

function MapPage() {
  const holder = useRef(null);
  const view = useRef(null);
  const [filters, setFilters] = useState({ favorites: false, archived: false, sharedAlbums: false });
  const [status, setStatus] = useState("loading");
  const [count, setCount] = useState(null);
  const [picked, setPicked] = useState(null); // { place, ids } of a cluster opened

  // The map, once.
  useEffect(() => {
    let cancelled = false;
    let map = null;
    let maplibre = null;
    const counts = new Map(); // cluster id -> its button's marker
    // The layers, once the style is in: clusters (circles sized by count) and single photos.
    const addPhotos = (map) => {
      map.addSource("photos", { type: "geojson", data: toGeoJson([]), cluster: true, clusterRadius: 50, clusterMaxZoom: 16 });
      map.addLayer({
        id: "clusters",
        type: "circle",
        source: "photos",
        filter: ["has", "point_count"],
        paint: {
          "circle-color": "#4250af",
          "circle-opacity": 0.85,
          "circle-radius": ["step", ["get", "point_count"], 16, 10, 20, 100, 26, 1000, 32],
          "circle-stroke-width": 2,
          "circle-stroke-color": "#ffffff",
        },
      });
      map.addLayer({
        id: "photos",
        type: "circle",
        source: "photos",
        filter: ["!", ["has", "point_count"]],
        paint: { "circle-color": "#4250af", "circle-radius": 7, "circle-stroke-width": 2, "circle-stroke-color": "#ffffff" },
      });
      map.on("click", "photos", (e) => openViewer(e.features[0].properties.id));
      map.on("click", "clusters", (e) => openCluster(e.features[0]));
      for (const layer of ["photos", "clusters"]) {
        map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
        map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
      }
      map.on("moveend", drawCounts);
      map.on("sourcedata", (e) => e.sourceId === "photos" && e.isSourceLoaded && drawCounts());
      view.current = { map };
    };
    (async () => {
      const opened = await openMap(holder.current, { center: [0, 20], zoom: 1 }, { isCancelled: () => cancelled, setStatus, onLoad: addPhotos });
      if (!opened) return;
      ({ map, maplibre } = opened);
      map.addControl(new maplibre.NavigationControl({ showCompass: false }));
    })();

    // The photos under a cluster, listed beside the map.
    async function openCluster(feature) {
      const source = map.getSource("photos");
      const leaves = await source.getClusterLeaves(feature.properties.cluster_id, 500, 0);
      const places = [...new Set(leaves.map((l) => l.properties.place).filter(Boolean))];
      setPicked({ place: places.slice(0, 2).join(" · "), ids: leaves.map((l) => l.properties.id) });
    }

    // Each visible cluster's count, as a button (keyboard and screen readers reach clusters so).
    function drawCounts() {
      if (!map?.getLayer("clusters")) return;
      const seen = new Set();
      const clusters = map
        .querySourceFeatures("photos", { filter: ["has", "point_count"] })
        .sort((a, b) => b.properties.point_count - a.properties.point_count)
        .slice(0, MAX_COUNT_BUTTONS);
      for (const f of clusters) {
        const id = f.properties.cluster_id;
        if (seen.has(id)) continue;
        seen.add(id);
        if (counts.has(id)) continue;
        const n = f.properties.point_count;
        // The marker's node is MapLibre's (it places and removes it): a plain button.
        const button = document.createElement("button");
        button.type = "button";
        button.className = "cluster-count";
        button.setAttribute("aria-label", PHOTOS_HERE(n));
        button.textContent = String(n);
        button.addEventListener("click", (e) => (e.stopPropagation(), openCluster(f)));
        const marker = new maplibre.Marker({ element: button }).setLngLat(f.geometry.coordinates).addTo(map);
        counts.set(id, marker);
      }
      for (const [id, marker] of counts) {
        if (!seen.has(id)) {
          marker.remove();
          counts.delete(id);
        }
      }
    }
    return () => {
      cancelled = true;
      map?.remove();
    };
  }, []);

  // The markers for the filters chosen.
  useEffect(() => {
    if (status !== "ready") return;
    let stale = false;
    api("GET", `/map/markers?${markersQuery(filters)}`).then((markers) => {
      if (stale || !view.current) return;
      view.current.map.getSource("photos").setData(toGeoJson(markers));
      setCount(markers.length);
      setPicked(null);
    });
    return () => (stale = true);
  }, [status, filters]);

  const toggle = (name) => (e) => setFilters((f) => ({ ...f, [name]: e.target.checked }));
  const note =
    status === "off"
      ? "The map is turned off on this server."
      : status === "failed"
        ? "The map cannot be shown: its style did not load."
        : null;
  return html`<div class="map-layout">
    <div class="map-bar">
      <h1>Map</h1>
      ${count !== null && html`<span class="muted" role="status">${count === 1 ? "1 photo" : `${count} photos`} with a place</span>`}
      <label><input type="checkbox" checked=${filters.favorites} onChange=${toggle("favorites")} /> Favorites only</label>
      <label><input type="checkbox" checked=${filters.archived} onChange=${toggle("archived")} /> Include archived</label>
      <label><input type="checkbox" checked=${filters.sharedAlbums} onChange=${toggle("sharedAlbums")} /> Include shared albums</label>
    </div>
    ${note && html`<p class="card">${note}</p>`}
    <div class="map-stage">
      <div class="map" ref=${holder} role="application" aria-label="Map of your photos"></div>
      ${picked &&
      html`<aside class="map-cluster" aria-label="Photos here">
        <div class="map-cluster-head">
          <strong>${picked.ids.length} photos</strong>${picked.place && html`<span class="muted">${picked.place}</span>`}
          <button type="button" class="quiet" onClick=${() => setPicked(null)}>Close</button>
        </div>
        <ul>
          ${picked.ids.map(
            (id) => html`<li><button type="button" class="map-photo" aria-label="Open photo" onClick=${() => openViewer(id)}>
              <img src=${`/api/assets/${id}/thumbnail?size=thumbnail`} alt="" loading="lazy" />
            </button></li>`,
          )}
        </ul>
      </aside>`}
    </div>
  </div>`;
}
