// The photos of a page as a virtual grid (grid.js): month sections fetched when near, days with
// their titles (a day is selected from its title), and the tiles (thumbnail over its thumbhash;
// favourite, video length, live photo, stack and failed badges; selection by click, Shift, Ctrl
// or a long press).

import { toDataURL, averageColor } from "/thumbhash.js";
import { VirtualGrid } from "/grid.js";
import { api } from "/api.js";
import { el } from "/dom.js";
import { state, linkQuery } from "/state.js";
import { toast } from "/components/toast.js";
import { toggleSelected, selectRange, selectDay } from "/components/selection.js";
import { openViewer } from "/components/viewer.js";

/// The sections of a grid for the timeline buckets of `query`: a month each, fetched when near.
export async function monthSections(query) {
  const buckets = await api("GET", `/timeline/buckets?${query}`);
  return buckets.map((b) => ({
    key: b.timeBucket,
    title: monthTitle(b.timeBucket),
    count: b.count,
    load: async () => {
      const cols = await api("GET", `/timeline/bucket?${query}&timeBucket=${encodeURIComponent(b.timeBucket)}`);
      return cols.id.map((id, i) => ({
        id,
        ratio: cols.ratio[i] || 1,
        thumbhash: cols.thumbhash[i],
        isImage: cols.isImage[i],
        isFavorite: cols.isFavorite[i],
        isTrashed: cols.isTrashed[i],
        visibility: cols.visibility[i],
        ownerId: cols.ownerId[i],
        duration: cols.duration[i],
        livePhotoVideoId: cols.livePhotoVideoId[i],
        // [primary asset id, number of assets] of a stack, shown once with its count.
        stack: cols.stack?.[i] || null,
        day: localDay(cols.fileCreatedAt[i], cols.localOffsetHours[i]),
      }));
    },
  }));
}

/// The day (YYYY-MM-DD) a photo was taken where it was taken: the timeline's UTC time shifted by
/// the place's offset, as Immich groups its days.
export function localDay(fileCreatedAt, offsetHours) {
  const t = Date.parse(fileCreatedAt);
  if (Number.isNaN(t)) return "";
  return new Date(t + (offsetHours || 0) * 3600_000).toISOString().slice(0, 10);
}

/// Shows `sections` in `container` as the page's grid; returns it.
export function showGrid(container, sections) {
  const holder = el("div", { class: "vgrid" });
  container.append(holder);
  longPressSelects(holder);
  tilesListen(holder);
  const failed = (s, err) => toast(`Cannot load ${s.title || "the photos"}: ${err.message}`, "error");
  state.grid = new VirtualGrid(holder, sections, tile, failed, dayTitle);
  return state.grid;
}

// Days' titles are made by the dozen in a fling: one formatter each way, not one per title
// (`toLocaleDateString` builds a formatter on every call).
const DAY_FORMAT = new Intl.DateTimeFormat(undefined, { weekday: "short", month: "short", day: "numeric", timeZone: "UTC" });
const DAY_FORMAT_WITH_YEAR = new Intl.DateTimeFormat(undefined, {
  weekday: "short", month: "short", day: "numeric", year: "numeric", timeZone: "UTC",
});
const THIS_YEAR = String(new Date().getFullYear());

/// A day's title ("Mon, Nov 30", with the year when not this year's) and its check, which
/// selects the day's photos (or clears them when all are selected).
function dayTitle(day, section) {
  const date = new Date(`${day.key}T00:00:00Z`);
  const text = (day.key.startsWith(THIS_YEAR) ? DAY_FORMAT : DAY_FORMAT_WITH_YEAR).format(date);
  const ids = () => section.assets.slice(day.start, day.end).map((a) => a.id);
  return el("div", { class: "day-title", "data-day": day.key },
    el("button", { type: "button", class: "day-check", "aria-label": `Select ${text}`, onclick: () => selectDay(ids()) }, "✓"),
    el("span", {}, text));
}

export function monthTitle(bucket) {
  const d = new Date(`${bucket.slice(0, 10)}T00:00:00Z`);
  return d.toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
}

/// Touch screens have no hover to show a tile's check mark: a long press selects (as Immich's app
/// does), and while something is selected a tap adds or removes. One set of listeners per grid.
export function longPressSelects(holder) {
  let timer = 0;
  let pressed = null;
  holder.addEventListener("touchstart", (e) => {
    const tile = e.target.closest(".tile");
    if (!tile || e.touches.length > 1) return;
    timer = setTimeout(() => {
      pressed = tile;
      toggleSelected(tile.dataset.id, tile);
      navigator.vibrate?.(20);
    }, 500);
  }, { passive: true });
  const cancel = () => clearTimeout(timer);
  holder.addEventListener("touchmove", cancel, { passive: true });
  holder.addEventListener("touchend", cancel);
  holder.addEventListener("touchcancel", cancel);
  // The click that may end a long press must not open the viewer (capture: before the tile's).
  holder.addEventListener("click", (e) => {
    if (pressed && e.target.closest(".tile") === pressed) {
      e.preventDefault();
      e.stopPropagation();
    }
    pressed = null;
  }, true);
  holder.addEventListener("contextmenu", (e) => e.target.closest(".tile") && e.preventDefault());
}

/// What a tile does, listened to once on the grid (a tile is made for every photo scrolled past,
/// so it carries no listeners of its own): a click opens the viewer, or selects with Shift, Ctrl
/// or while a selection is under way; the check selects; a thumbnail shows once loaded.
/// Right after an upload the thumbnail may not exist yet (a busy server makes it minutes later):
/// it is asked for again while the tile is in the page, a little later each time up to every 5
/// seconds, for up to 3 minutes. A file whose thumbnail cannot be made keeps its placeholder and
/// is marked failed: after those 3 minutes, or at the second refusal when the thumbhash shows
/// the thumbnail job has run.
function tilesListen(holder) {
  holder.addEventListener("click", (e) => {
    const link = e.target.closest(".tile");
    if (!link) return;
    e.preventDefault();
    const id = link.dataset.id;
    const check = e.target.closest(".check");
    if (check) e.stopPropagation();
    if (e.shiftKey && state.lastSelected) selectRange(state.lastSelected, id);
    else if (check || state.selected.size || e.shiftKey || e.ctrlKey || e.metaKey) toggleSelected(id, link);
    else openViewer(id);
  });
  // Loads and errors do not bubble: caught on their way down. (`loaded` only marks the tile: the
  // image draws itself when it comes, over the tile's colour.)
  holder.addEventListener("load", (e) => e.target.classList?.contains("thumb") && e.target.parentNode.classList.add("loaded"), true);
  holder.addEventListener("error", (e) => {
    const img = e.target;
    const link = img.parentNode;
    if (!img.classList?.contains("thumb") || !link?.asset) return;
    const asset = link.asset;
    const tries = (link.tries = (link.tries || 0) + 1);
    const wait = Math.min(5000, 500 * 2 ** (tries - 1));
    if (Date.now() + wait > link.givingUpAt || (asset.thumbhash && tries >= 2)) {
      link.classList.add("failed");
      link.append(el("span", { class: "badge failed", title: "No thumbnail", "aria-label": "No thumbnail" }, "⚠"));
      return;
    }
    setTimeout(() => {
      if (img.isConnected) img.src = `${thumbnailUrl(asset)}&retry=${tries}`;
    }, wait);
  }, true);
}

/// A tile of the grid (which places and sizes it): the thumbnail over its thumbhash, the check,
/// the badges. Plain nodes made directly: a fling makes about forty a screen. The image is asked
/// for when the grid calls `showImage` (not while the tile flies past).
export function tile(asset) {
  const link = document.createElement("a");
  link.className = state.selected.has(asset.id) ? "tile selected" : "tile";
  link.href = `/photos/${asset.id}`;
  link.dataset.id = asset.id;
  link.dataset.day = asset.day;
  link.asset = asset;
  link.givingUpAt = Date.now() + 180_000;
  const img = document.createElement("img");
  img.className = "thumb";
  img.alt = "";
  img.decoding = "async";
  const check = document.createElement("button");
  check.type = "button";
  check.className = "check";
  check.ariaLabel = "Select";
  check.textContent = "✓";
  link.append(img, check);
  // A tile is its picture's average colour until its thumbnail comes; when that takes longer
  // than a glance (a busy server, a slow network), its blurred thumbhash stands in. Decoding,
  // parsing and stretching a placeholder for each of a fling's forty tiles a screen cost more
  // than the frame has, and a thumbnail that comes at once needs none.
  const color = averageColorOf(asset.thumbhash);
  if (color) link.style.backgroundColor = color;
  if (!asset.isImage) link.append(badge("badge", `${clockDuration(asset.duration)} ▶`.trim()));
  else if (asset.livePhotoVideoId) link.append(badge("badge live", "◉ Live", "Live photo"));
  if (asset.stack) link.append(badge("badge stack", `❐ ${asset.stack[1]}`, `Stack of ${asset.stack[1]}`));
  if (asset.isFavorite) link.append(badge("fav", "♥", "Favorite", false));
  link.showImage = () => {
    img.src = thumbnailUrl(asset);
    setTimeout(() => {
      if (!link.isConnected || link.classList.contains("loaded")) return;
      const placeholder = placeholderOf(asset);
      if (placeholder) link.style.backgroundImage = `url(${placeholder})`;
    }, PLACEHOLDER_AFTER_MS);
  };
  return link;
}

function badge(className, text, label, titled = true) {
  const span = document.createElement("span");
  span.className = className;
  span.textContent = text;
  if (label) {
    span.ariaLabel = label;
    if (titled) span.title = label;
  }
  return span;
}

/// A video's length as players show it ("0:07", "12:30", "1:02:03") from the timeline's
/// milliseconds; empty when unknown.
export function clockDuration(ms) {
  if (typeof ms !== "number") return "";
  const total = Math.round(ms / 1000);
  const [h, m, sec] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const pad = (n) => String(n).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

// How long a thumbnail may take before the thumbhash is shown in its place.
const PLACEHOLDER_AFTER_MS = 150;

// Placeholders decoded lately, by thumbhash (a `data:` URL of about 3 KB each): a tile drawn
// again reuses its URL. Bounded, so flinging through a library of any size holds a few MB; the
// oldest are dropped first, and decoding one again costs about a tenth of a millisecond.
const PLACEHOLDERS = new Map();
const PLACEHOLDERS_KEPT = 2000;

function averageColorOf(hash) {
  try {
    return averageColor(hash);
  } catch {
    return null; // A hash we cannot read only costs the placeholder.
  }
}

/// The asset's thumbhash as a small image URL for the tile's background (no canvas per tile);
/// null without a thumbhash or with one that cannot be read.
export function placeholderOf(asset) {
  const hash = asset.thumbhash;
  if (!hash) return null;
  let url = PLACEHOLDERS.get(hash);
  if (url === undefined) {
    try {
      url = toDataURL(hash);
    } catch {
      url = null; // A hash we cannot read only costs the placeholder.
    }
    if (PLACEHOLDERS.size >= PLACEHOLDERS_KEPT) PLACEHOLDERS.delete(PLACEHOLDERS.keys().next().value);
  } else {
    PLACEHOLDERS.delete(hash); // Moved to the newest end.
  }
  PLACEHOLDERS.set(hash, url);
  return url;
}

/// A tile's thumbnail: the edited one of an edited photo (as Immich's web app asks), under an
/// address that changes with the thumbhash, so a browser's cached copy never outlives an edit.
export function thumbnailUrl(asset) {
  const version = encodeURIComponent(asset.thumbhash || "");
  return `/api/assets/${asset.id}/thumbnail?size=thumbnail&edited=true&c=${version}${linkQuery()}`;
}
