// The viewer's details (Immich's detail panel): description, date and time with its zone, place,
// rating, the albums holding the photo, the file and the camera. The owner edits the first four
// (`PUT /assets/{id}`, as Immich's web does); everyone else reads them.

import { useEffect, useState } from "preact/hooks";
import { api } from "/api.js";
import { html } from "/ui.js";
import { navigate } from "/router.js";
import { toast } from "/components/toast.js";
import { PlacePicker } from "/components/map.js";
import { TagRows } from "/components/tag-picker.js";

/// `asset`: the asset shown; `editable`: the caller owns it; `albums`: whether to list its
/// albums (not for a link's visitor); `onSaved(asset)`: the server's answer to an edit.
export function ViewerDetails({ asset, editable, albums, albumsVersion, onSaved }) {
  const save = async (change, what) => {
    try {
      onSaved(await api("PUT", `/assets/${asset.id}`, change));
    } catch (err) {
      toast(`Cannot save the ${what}: ${err.message}`, "error");
    }
  };
  return html`<aside class="info" aria-label="Details">
    <h2>Details</h2>
    <${Description} key=${`d${asset.id}`} asset=${asset} editable=${editable} save=${save} />
    <${Rating} asset=${asset} editable=${editable} save=${save} />
    <dl>
      <${Taken} key=${`t${asset.id}`} asset=${asset} editable=${editable} save=${save} />
      <${Place} key=${`p${asset.id}`} asset=${asset} editable=${editable} save=${save} />
      ${fileRows(asset).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}
      ${albums && html`<${Albums} id=${asset.id} version=${albumsVersion} />`}
      ${albums && html`<${TagRows} tags=${asset.tags} />`}
    </dl>
  </aside>`;
}

/// Saved when the field is left or on Enter (Shift+Enter: a new line), as in Immich.
function Description({ asset, editable, save }) {
  const text = asset.exifInfo?.description || "";
  if (!editable) return text ? html`<p class="description-text">${text}</p>` : null;
  const commit = (e) => {
    if (e.target.value !== text) save({ description: e.target.value }, "description");
  };
  return html`<textarea class="description-input" rows="2" aria-label="Description" placeholder="Add a description"
    defaultValue=${text} onBlur=${commit}
    onKeyDown=${(e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        e.target.blur();
      }
    }}></textarea>`;
}

/// 0 to 5 stars; choosing the current rating again clears it.
function Rating({ asset, editable, save }) {
  const rating = asset.exifInfo?.rating || 0;
  if (!editable && !rating) return null;
  const stars = [1, 2, 3, 4, 5];
  return html`<div class="rating" role="group" aria-label=${`Rating: ${rating} of 5`}>
    ${stars.map((n) =>
      editable
        ? html`<button type="button" class=${`star${n <= rating ? " on" : ""}`} aria-label=${`${n} star${n > 1 ? "s" : ""}`}
            aria-pressed=${n === rating ? "true" : "false"}
            onClick=${() => save({ rating: n === rating ? 0 : n }, "rating")}>★</button>`
        : html`<span class=${`star${n <= rating ? " on" : ""}`} aria-hidden="true">★</span>`,
    )}
  </div>`;
}

/// Minutes east of UTC of the photo's clock: its wall time (localDateTime, written as UTC)
/// less the moment it was taken.
function offsetOf(asset) {
  const taken = asset.exifInfo?.dateTimeOriginal || asset.fileCreatedAt;
  const minutes = Math.round((Date.parse(asset.localDateTime) - Date.parse(taken)) / 60000);
  return Number.isFinite(minutes) ? minutes : 0;
}

export function offsetText(minutes) {
  const sign = minutes < 0 ? "-" : "+";
  const m = Math.abs(minutes);
  return `${sign}${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}

/// A zone without a name as the server names one ("UTC", "UTC+2", "UTC-3:30").
function zoneName(minutes) {
  if (!minutes) return "UTC";
  const m = Math.abs(minutes);
  return `UTC${minutes < 0 ? "-" : "+"}${Math.floor(m / 60)}${m % 60 ? `:${String(m % 60).padStart(2, "0")}` : ""}`;
}

/// Minutes east of UTC of `zone`'s clocks at the instant `utcMillis`.
const zoneFormats = new Map();
function zoneOffsetAt(zone, utcMillis) {
  let format = zoneFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
    zoneFormats.set(zone, format);
  }
  const part = format
    .formatToParts(new Date(utcMillis))
    .find((p) => p.type === "timeZoneName")?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part || "");
  return m ? (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/// Minutes east of UTC of `zone` when its clocks show `wall` ("2023-07-14T09:30", read as UTC):
/// the offset at the instant the offset itself implies (right across daylight-saving changes).
function zoneOffsetForWall(zone, wall) {
  const asUtc = Date.parse(`${wall.slice(0, 19)}Z`);
  const first = zoneOffsetAt(zone, asUtc);
  return zoneOffsetAt(zone, asUtc - first * 60000);
}

/// Immich's time zone choice: every zone the browser knows, as "Europe/Berlin (+02:00)" with
/// its offset at the chosen time; "UTC+02:00" for a bare offset.
function zoneChoices(wall) {
  const zones = Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : ["UTC"];
  return zones.map((zone) => ({ zone, label: `${zone} (${offsetText(zoneOffsetForWall(zone, wall))})` }));
}

/// The offset the typed choice stands for: a listed zone (with or without its offset), or a
/// bare offset ("UTC+2", "+05:30"); null when it is neither.
function offsetOfChoice(choice, wall) {
  const text = choice.trim();
  const bare = /^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$/i.exec(text);
  if (bare) return (bare[1] === "-" ? -1 : 1) * (Number(bare[2]) * 60 + Number(bare[3] || 0));
  if (/^(UTC|GMT|Z)$/i.test(text)) return 0;
  const zone = text.replace(/\s*\([^)]*\)$/, "");
  try {
    return zoneOffsetForWall(zone, wall);
  } catch {
    return null;
  }
}

/// The time the photo was taken as its camera's clock showed it, and the zone; the owner
/// changes both (sent as `dateTimeOriginal` with the zone's offset at that time, as Immich's
/// web does: the zone is picked by name from the browser's list, or typed as an offset).
function Taken({ asset, editable, save }) {
  const [editing, setEditing] = useState(false);
  const [wall, setWall] = useState(asset.localDateTime.slice(0, 19));
  const [invalid, setInvalid] = useState(false);
  const offset = offsetOf(asset);
  const shown = new Date(asset.localDateTime).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
  const zone = asset.exifInfo?.timeZone || zoneName(offset);
  if (editing) {
    const choices = zoneChoices(wall);
    // The photo's own zone when it has a name the browser knows, else its offset.
    const known = choices.find((c) => c.zone === asset.exifInfo?.timeZone);
    const initial = known ? known.label : `UTC${offsetText(offset)}`;
    const submit = async (e) => {
      e.preventDefault();
      const v = new FormData(e.target);
      const local = v.get("dateTime");
      const minutes = offsetOfChoice(String(v.get("zone") || ""), local);
      if (!local || minutes === null) {
        setInvalid(minutes === null);
        return;
      }
      await save({ dateTimeOriginal: `${local.length === 16 ? `${local}:00` : local}${offsetText(minutes)}` }, "date");
      setEditing(false);
    };
    return html`<dt>Taken</dt><dd><form class="detail-form" onSubmit=${submit}>
      <label>Date and time<input type="datetime-local" name="dateTime" step="1" required value=${wall}
        onInput=${(e) => e.target.value && setWall(e.target.value)} /></label>
      <label>Time zone<input name="zone" list="zone-choices" autocomplete="off" required defaultValue=${initial}
        aria-invalid=${invalid ? "true" : "false"} aria-describedby=${invalid ? "zone-error" : undefined} /></label>
      <datalist id="zone-choices">${choices.map((c) => html`<option value=${c.label} />`)}</datalist>
      ${invalid && html`<p class="error" id="zone-error" role="alert">Unknown time zone</p>`}
      <div class="actions"><button type="submit">Save</button><button type="button" class="quiet" onClick=${() => setEditing(false)}>Cancel</button></div>
    </form></dd>`;
  }
  return html`<dt>Taken</dt><dd class="with-edit"><span class="taken">${shown} <span class="muted">${zone}</span></span>
    ${editable && html`<button type="button" class="quiet edit" aria-label="Edit date and time" onClick=${() => {
      setWall(asset.localDateTime.slice(0, 19));
      setInvalid(false);
      setEditing(true);
    }}>Edit</button>`}</dd>`;
}

/// The place's name (the server's reverse geocoding) and its coordinates; the owner types new
/// coordinates (a map to pick them on comes with the map page's MapLibre).
function Place({ asset, editable, save }) {
  const [editing, setEditing] = useState(false);
  const [typed, setTyped] = useState({ lat: "", lon: "" });
  const e = asset.exifInfo || {};
  const name = [e.city, e.state, e.country].filter(Boolean).join(", ");
  const hasPoint = typeof e.latitude === "number" && typeof e.longitude === "number";
  const point = hasPoint ? `${e.latitude.toFixed(5)}, ${e.longitude.toFixed(5)}` : "";
  if (editing) {
    const submit = async (ev) => {
      ev.preventDefault();
      await save({ latitude: Number(typed.lat), longitude: Number(typed.lon) }, "place");
      setEditing(false);
    };
    const shown = typed.lat !== "" && typed.lon !== "" ? { lat: Number(typed.lat), lon: Number(typed.lon) } : null;
    return html`<dt>Place</dt><dd><form class="detail-form" onSubmit=${submit}>
      <${PlacePicker} point=${shown} onPick=${({ lat, lon }) => setTyped({ lat: String(lat), lon: String(lon) })} />
      <label>Latitude<input name="latitude" type="number" step="any" min="-90" max="90" required value=${typed.lat}
        onInput=${(ev) => setTyped((t) => ({ ...t, lat: ev.target.value }))} /></label>
      <label>Longitude<input name="longitude" type="number" step="any" min="-180" max="180" required value=${typed.lon}
        onInput=${(ev) => setTyped((t) => ({ ...t, lon: ev.target.value }))} /></label>
      <div class="actions"><button type="submit">Save</button><button type="button" class="quiet" onClick=${() => setEditing(false)}>Cancel</button></div>
    </form></dd>`;
  }
  const edit = () => {
    setTyped(hasPoint ? { lat: String(e.latitude), lon: String(e.longitude) } : { lat: "", lon: "" });
    setEditing(true);
  };
  if (!editable && !name && !hasPoint) return null;
  return html`<dt>Place</dt><dd class="with-edit"><span>${name}${name && hasPoint ? html`<br />` : ""}<span class=${name ? "muted" : ""}>${point}</span>${!name && !hasPoint ? html`<span class="muted">Unknown</span>` : ""}</span>
    ${editable && html`<button type="button" class="quiet edit" aria-label="Edit place" onClick=${edit}>Edit</button>`}</dd>`;
}

/// The albums holding the photo (`GET /albums?assetId=`), fetched again when `version` changes
/// (the photo was added to one).
function Albums({ id, version }) {
  const [albums, setAlbums] = useState(null);
  useEffect(() => {
    let live = true;
    setAlbums(null);
    api("GET", `/albums?assetId=${id}`).then((list) => live && setAlbums(list), () => live && setAlbums([]));
    return () => (live = false);
  }, [id, version]);
  if (!albums?.length) return null;
  return html`<dt>Albums</dt><dd><ul class="detail-albums">${albums.map(
    (a) => html`<li><a href=${`/albums/${a.id}`} onClick=${(e) => (e.preventDefault(), navigate(`/albums/${a.id}`))}>${a.albumName}</a></li>`,
  )}</ul></dd>`;
}

/// The file and the camera, as label and text; empty values are left out.
export function fileRows(asset) {
  const e = asset.exifInfo || {};
  const bytes = e.fileSizeInByte;
  const rows = [
    ["File", asset.originalFileName],
    ["Size", typeof bytes === "number" ? `${humanSize(bytes)} (${bytes.toLocaleString()} bytes)` : ""],
    ["Dimensions", e.exifImageWidth ? `${e.exifImageWidth} × ${e.exifImageHeight}` : asset.width ? `${asset.width} × ${asset.height}` : ""],
    // Models often start with the make ("Canon EOS M50"): not twice.
    ["Camera", e.model && e.make && e.model.toLowerCase().startsWith(e.make.toLowerCase()) ? e.model : [e.make, e.model].filter(Boolean).join(" ")],
    ["Lens", e.lensModel],
    ["Exposure", [e.fNumber && `ƒ/${e.fNumber}`, e.exposureTime && `${e.exposureTime} s`, e.focalLength && `${e.focalLength} mm`, e.iso && `ISO ${e.iso}`].filter(Boolean).join(" · ")],
  ];
  return rows.filter(([, v]) => v);
}

function humanSize(bytes) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let n = bytes;
  let u = 0;
  while (n >= 1000 && u < units.length - 1) {
    n /= 1000;
    u++;
  }
  return `${u ? n.toFixed(1) : n} ${units[u]}`;
}
