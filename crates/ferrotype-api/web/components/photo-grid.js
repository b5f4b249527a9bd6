// The photos of a page as a virtual grid (grid.js): month sections fetched when near, days with
// their titles (a day is selected from its title), and the tiles (thumbnail over its thumbhash;
// favourite, video length, live photo, stack and failed badges; selection by click, Shift, Ctrl
// or a long press).

import { toDataURL } from "/thumbhash.js";
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
  const failed = (s, err) => toast(`Cannot load ${s.title || "the photos"}: ${err.message}`, "error");
  state.grid = new VirtualGrid(holder, sections, tile, failed, dayTitle);
  return state.grid;
}

/// A day's title ("Mon, Nov 30", with the year when not this year's) and its check, which
/// selects the day's photos (or clears them when all are selected).
function dayTitle(day, section) {
  const date = new Date(`${day.key}T00:00:00Z`);
  const thisYear = day.key.slice(0, 4) === String(new Date().getFullYear());
  const text = date.toLocaleDateString(undefined, {
    weekday: "short", month: "short", day: "numeric", year: thisYear ? undefined : "numeric", timeZone: "UTC",
  });
  const ids = () => section.assets.slice(day.start, day.end).map((a) => a.id);
  return el("div", { class: "day-title", "data-day": day.key },
    el("button", { type: "button", class: "day-check", "aria-label": `Select ${text}`, onclick: () => selectDay(ids()) }, "✓"),
    el("span", {}, text));
}

export function monthTitle(bucket) {
  const d = new Date(`${bucket.slice(0, 10)}T00:00:00Z`);
  return d.toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
}

/// The assets of an album or an album's link, month by month, in a grid.
export async function drawAlbum(container, query) {
  const sections = await monthSections(query);
  if (!sections.length) container.append(el("p", { class: "empty" }, "Nothing here yet."));
  showGrid(container, sections);
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

/// A tile of the grid (which places and sizes it): the thumbnail over its thumbhash. The image
/// is asked for when the grid calls `showImage` (not while the tile flies past).
export function tile(asset) {
  const img = el("img", { class: "thumb", alt: "", decoding: "async" });
  const link = el(
    "a",
    {
      class: "tile",
      href: `/photos/${asset.id}`,
      "data-id": asset.id,
      "data-day": asset.day,
      onclick: (e) => {
        e.preventDefault();
        if (e.shiftKey && state.lastSelected) selectRange(state.lastSelected, asset.id);
        else if (state.selected.size || e.shiftKey || e.ctrlKey || e.metaKey) toggleSelected(asset.id, link);
        else openViewer(asset.id);
      },
    },
    img,
    el("button", {
      type: "button",
      class: "check",
      "aria-label": "Select",
      onclick: (e) => {
        e.preventDefault();
        e.stopPropagation();
        if (e.shiftKey && state.lastSelected) selectRange(state.lastSelected, asset.id);
        else toggleSelected(asset.id, link);
      },
    }, "✓"),
  );
  if (state.selected.has(asset.id)) link.classList.add("selected");
  const placeholder = placeholderOf(asset);
  if (placeholder) link.style.backgroundImage = `url(${placeholder})`;
  img.addEventListener("load", () => link.classList.add("loaded"));
  // Right after an upload the thumbnail may not exist yet (a busy server makes it minutes later):
  // ask again while the tile is in the page, a little later each time up to every 5 seconds, for
  // up to 3 minutes. A file whose thumbnail cannot be made keeps its placeholder and is marked
  // failed: after those 3 minutes, or at the second refusal when the thumbhash shows the
  // thumbnail job has run.
  let tries = 0;
  const givingUpAt = Date.now() + 180_000;
  const failed = () => {
    link.classList.add("failed");
    link.append(el("span", { class: "badge failed", title: "No thumbnail", "aria-label": "No thumbnail" }, "⚠"));
  };
  img.addEventListener("error", () => {
    const wait = Math.min(5000, 500 * 2 ** tries++);
    if (Date.now() + wait > givingUpAt || (asset.thumbhash && tries >= 2)) return failed();
    setTimeout(() => {
      if (img.isConnected) img.src = `${thumbnailUrl(asset)}&retry=${tries}`;
    }, wait);
  });
  if (!asset.isImage) link.append(el("span", { class: "badge" }, `${clockDuration(asset.duration)} ▶`.trim()));
  else if (asset.livePhotoVideoId) link.append(el("span", { class: "badge live", title: "Live photo", "aria-label": "Live photo" }, "◉ Live"));
  if (asset.stack) link.append(el("span", { class: "badge stack", title: `Stack of ${asset.stack[1]}`, "aria-label": `Stack of ${asset.stack[1]}` }, `❐ ${asset.stack[1]}`));
  if (asset.isFavorite) link.append(el("span", { class: "fav", "aria-label": "Favorite" }, "♥"));
  link.showImage = () => (img.src = thumbnailUrl(asset));
  return link;
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

/// The asset's thumbhash as a small image URL, decoded once per asset and kept: the tile shows it
/// as its background (no canvas per tile), and a tile drawn again reuses it.
export function placeholderOf(asset) {
  if (asset.placeholder === undefined) {
    asset.placeholder = null;
    if (asset.thumbhash) {
      try {
        asset.placeholder = toDataURL(asset.thumbhash);
      } catch {
        // A hash we cannot read only costs the placeholder.
      }
    }
  }
  return asset.placeholder;
}

/// A tile's thumbnail: the edited one of an edited photo (as Immich's web app asks), under an
/// address that changes with the thumbhash, so a browser's cached copy never outlives an edit.
export function thumbnailUrl(asset) {
  const version = encodeURIComponent(asset.thumbhash || "");
  return `/api/assets/${asset.id}/thumbnail?size=thumbnail&edited=true&c=${version}${linkQuery()}`;
}
