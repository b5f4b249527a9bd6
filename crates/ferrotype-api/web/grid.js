// The virtual grid behind the timeline, album pages and shared links, and its date scrubber.
//
// A grid is a list of sections (a month each, or one untitled section), each a title and its
// days: a day's title over its justified rows of tiles (days short enough for one row sit side by
// side, as in Immich's timeline). Every position is computed here, not by the browser's layout: a section is a box
// of known height, its tiles absolutely placed. Only the tiles near the viewport exist in the
// page; the rest is empty space of the right height. A section's assets are fetched when it first
// comes near the viewport; until then its height is an estimate from its count, and when the real
// height replaces an estimate above what the user sees, the page is scrolled by the difference so
// nothing on screen moves. So a library of any size costs the same to scroll.

const GAP = 4;
const TITLE_HEIGHT = 52; // .month > h2 in app.css
const DAY_TITLE_HEIGHT = 36; // .day-title in app.css
const DAY_GAP = 16; // between days side by side, and below a day
const MARGIN = 1.0; // screens drawn above and below the visible one
const PREFETCH = 3.0; // viewports within which sections are fetched ahead
// Faster than this (screens per second) the user is flinging or dragging the scrubber: tiles
// show their colour and fetch their images only once scrolling slows or pauses, so the images
// of tiles flown past are never fetched or decoded.
const FAST_SCREENS_PER_SECOND = 4;
const SETTLE_MS = 150;
/// What the grid listens to on the window to know the pointer moves or is pressed.
const POINTER_EVENTS = ["pointermove", "pointerdown", "pointerup", "pointercancel"];
// Images asked for per frame for the tiles drawn ahead of the screen (see `showImages`).
const AHEAD_IMAGES_PER_FRAME = 2;

/// The row height aimed at: smaller on phones, as Immich's web client does.
function rowHeightFor(width) {
  return width < 600 ? 120 : 220;
}

/// Places `ratios` (width / height) in rows as wide as `width`, each row scaled to fill it.
/// Returns per-tile x, y, width, height and the total height.
export function justify(ratios, width) {
  const target = rowHeightFor(width);
  const n = ratios.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  const h = new Float64Array(n);
  let top = 0;
  let start = 0;
  let sum = 0;
  const place = (end, height) => {
    let left = 0;
    for (let i = start; i < end; i++) {
      x[i] = left;
      y[i] = top;
      h[i] = height;
      w[i] = height * ratios[i];
      left += w[i] + GAP;
    }
    top += height + GAP;
    start = end;
    sum = 0;
  };
  for (let i = 0; i < n; i++) {
    sum += ratios[i];
    const height = (width - GAP * (i - start)) / sum;
    if (height <= target) place(i + 1, height);
  }
  if (start < n) place(n, Math.min(target, (width - GAP * (n - 1 - start)) / sum));
  return { x, y, w, h, height: Math.max(0, top - GAP) };
}

/// Lays out a section's assets day by day (assets in order, each with its `day` key; without
/// keys, one untitled run of rows): a day's title above its justified rows. A day whose photos fit
/// one row at the target height keeps that height and its natural width, and the next such day
/// sits beside it when the line has room. Returns per-tile x, y, width, height, the days
/// ({ key, x, y, width, start, end }) and the total height. Tiles stay in asset order top to
/// bottom (y never decreases with the index), which `draw` relies on.
export function layoutDays(assets, width) {
  const ratios = assets.map((a) => a.ratio || 1);
  if (!assets.length || assets[0].day === undefined) return { ...justify(ratios, width), days: [] };
  const target = rowHeightFor(width);
  const n = assets.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  const h = new Float64Array(n);
  const days = [];
  let top = 0; // top of the line being filled
  let cursor = 0; // where the next day goes on that line; 0: the line is empty
  const newLine = () => {
    if (cursor) top += DAY_TITLE_HEIGHT + target + DAY_GAP;
    cursor = 0;
  };
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && assets[end].day === assets[start].day) end++;
    let natural = GAP * (end - start - 1);
    for (let i = start; i < end; i++) natural += ratios[i] * target;
    if (natural <= width) {
      if (cursor && cursor + natural > width) newLine();
      let left = cursor;
      for (let i = start; i < end; i++) {
        x[i] = left;
        y[i] = top + DAY_TITLE_HEIGHT;
        h[i] = target;
        w[i] = ratios[i] * target;
        left += w[i] + GAP;
      }
      days.push({ key: assets[start].day, x: cursor, y: top, width: natural, start, end });
      cursor += natural + DAY_GAP;
    } else {
      newLine();
      const rows = justify(ratios.slice(start, end), width);
      for (let i = start; i < end; i++) {
        x[i] = rows.x[i - start];
        y[i] = top + DAY_TITLE_HEIGHT + rows.y[i - start];
        w[i] = rows.w[i - start];
        h[i] = rows.h[i - start];
      }
      days.push({ key: assets[start].day, x: 0, y: top, width, start, end });
      top += DAY_TITLE_HEIGHT + rows.height + DAY_GAP;
    }
    start = end;
  }
  const height = cursor ? top + DAY_TITLE_HEIGHT + target : Math.max(0, top - DAY_GAP);
  return { x, y, w, h, days, height };
}

/// Puts a node made by the page at its place. Property by property: appending to `cssText`
/// would read back and parse again the whole style, a tile's placeholder `data:` URL included.
function placeNode(node, left, top, width, height) {
  const style = node.style;
  style.left = `${left}px`;
  style.top = `${top}px`;
  style.width = `${width}px`;
  style.height = `${height}px`;
}

export class VirtualGrid {
  /// `sections`: [{ key, title, count, assets?, load?: async () => assets }], assets being
  /// { id, ratio, day?, ... }. `makeTile(asset, index)` builds a tile; the grid places it and
  /// calls the tile's `showImage()`, if it has one, when scrolling is slow enough to look at it.
  /// `makeDayTitle(day, section)` builds a day's title (day: { key, start, end } in the section's
  /// assets), placed by the grid above the day's tiles.
  constructor(container, sections, makeTile, onError = () => {}, makeDayTitle = null) {
    this.container = container;
    this.makeTile = makeTile;
    this.makeDayTitle = makeDayTitle;
    this.onError = onError;
    this.listeners = new Set();
    this.scrolledListeners = new Set();
    this.waiting = new Set(); // tiles in the page whose image is not asked for yet
    this.last = { top: 0, time: 0 };
    this.scrollY = null; // the page's scroll position at the last draw
    this.width = container.clientWidth || 800;
    this.where = new Map(); // asset id -> [section index, asset index]
    this.sections = sections.map((s, index) => {
      const grid = document.createElement("div");
      grid.className = "grid";
      const node = document.createElement("section");
      node.className = "month";
      node.dataset.bucket = s.key;
      if (s.title) {
        const h2 = document.createElement("h2");
        h2.textContent = s.title;
        node.append(h2);
      }
      node.append(grid);
      container.append(node);
      const section = { ...s, index, node, grid, layout: null, tiles: new Map(), dayTitles: new Map(), loading: null, failedAt: 0 };
      if (s.assets) this.index(section);
      return section;
    });
    this.measure();
    this.frame = 0;
    this.schedule = () => {
      if (!this.frame) this.frame = requestAnimationFrame(() => this.update());
    };
    this.resized = new ResizeObserver(() => {
      const width = this.container.clientWidth;
      if (width && width !== this.width) this.relayout(width);
    });
    this.resized.observe(container);
    window.addEventListener("scroll", this.schedule, { passive: true });
    window.addEventListener("resize", this.schedule);
    // The pointer hold (holdPointer) is for a still mouse over sliding tiles: a mouse that moves
    // is pointing at something, and a press under way must end on what it began on.
    this.pressed = false;
    this.onPointer = (e) => {
      if (e.type === "pointerdown") this.pressed = true;
      else if (e.type !== "pointermove") this.pressed = false;
      else if (!e.movementX && !e.movementY) return;
      if (this.scrolling) this.releasePointer();
    };
    for (const type of POINTER_EVENTS) window.addEventListener(type, this.onPointer, { capture: true, passive: true });
    this.schedule();
  }

  destroy() {
    window.removeEventListener("scroll", this.schedule);
    window.removeEventListener("resize", this.schedule);
    for (const type of POINTER_EVENTS) window.removeEventListener(type, this.onPointer, { capture: true });
    this.resized.disconnect();
    cancelAnimationFrame(this.frame);
    this.stopAhead();
    clearTimeout(this.settle);
    clearTimeout(this.pointerTimer);
    this.destroyed = true;
  }

  /// `listener()` runs whenever section heights change (the scrubber redraws).
  onChange(listener) {
    this.listeners.add(listener);
  }

  /// `listener(top)` runs after each frame the grid drew, with the grid position at the top of
  /// the screen (the scrubber moves its marker, without reading the layout again).
  onScrolled(listener) {
    this.scrolledListeners.add(listener);
  }

  index(section) {
    section.assets.forEach((a, i) => this.where.set(a.id, [section.index, i]));
  }

  /// Heights and offsets of every section from its layout or, until loaded, its estimate.
  measure() {
    let offset = 0;
    for (const s of this.sections) {
      this.size(s);
      s.offset = offset;
      offset += s.height;
    }
    this.totalHeight = offset;
    this.container.style.height = `${offset}px`;
  }

  size(s) {
    const title = s.title ? TITLE_HEIGHT : 0;
    if (s.assets) {
      s.layout = layoutDays(s.assets, this.width);
      s.gridHeight = s.layout.height;
    } else {
      // Estimate: tiles of ratio 1.4 (most photos are 4:3 or 3:2, some portrait).
      const target = rowHeightFor(this.width);
      const perRow = Math.max(1, this.width / (target * 1.4 + GAP));
      s.gridHeight = Math.ceil(s.count / perRow) * (target + GAP) - GAP;
    }
    s.height = title + s.gridHeight + GAP * 4;
    s.node.style.height = `${s.height}px`;
    s.grid.style.height = `${s.gridHeight}px`;
  }

  /// The page's scroll position of the grid's top, read from the layout once per frame (in
  /// `update`, before it changes the page) so no other read forces a layout.
  origin() {
    if (this.originY === undefined) this.originY = this.container.getBoundingClientRect().top + window.scrollY;
    return this.originY;
  }

  relayout(width) {
    // Keep the section at the top of the screen, at the same fraction of it, in view.
    const top = window.scrollY - this.origin();
    const at = this.sectionAt(top);
    const fraction = at ? (top - at.offset) / at.height : 0;
    this.width = width;
    this.header = undefined;
    for (const s of this.sections) this.clear(s);
    this.measure();
    if (at && top > 0) window.scrollTo(0, this.origin() + at.offset + fraction * at.height);
    this.changed();
    this.schedule();
  }

  changed() {
    for (const listener of this.listeners) listener();
  }

  /// The grid position where the tiles of section `s` start (below its title).
  tilesTop(s) {
    return s.offset + (s.title ? TITLE_HEIGHT : 0);
  }

  /// The section holding the grid position `y` (binary search over offsets).
  sectionAt(y) {
    const list = this.sections;
    if (!list.length) return null;
    let lo = 0;
    let hi = list.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (list[mid].offset <= y) lo = mid;
      else hi = mid - 1;
    }
    return list[lo];
  }

  update() {
    this.frame = 0;
    if (this.destroyed) return;
    const view = window.innerHeight;
    this.originY = this.container.getBoundingClientRect().top + window.scrollY;
    const top = window.scrollY - this.originY;
    const from = top - view * MARGIN;
    const to = top + view * (1 + MARGIN);
    const first = this.sectionAt(Math.max(0, top - view * PREFETCH));
    if (!first) return;
    for (let i = first.index; i < this.sections.length; i++) {
      const s = this.sections[i];
      if (s.offset > top + view * (1 + PREFETCH)) break;
      if (!s.assets) this.load(s);
    }
    for (const s of this.sections) {
      if ((s.tiles.size || s.dayTitles.size) && (s.offset + s.height < from || s.offset > to)) this.clear(s);
    }
    for (let i = this.sectionAt(Math.max(0, from)).index; i < this.sections.length; i++) {
      const s = this.sections[i];
      if (s.offset > to) break;
      const gridTop = this.tilesTop(s);
      // (A section being fetched again keeps its layout but has no assets until they come.)
      if (s.layout && s.assets) this.draw(s, from - gridTop, to - gridTop);
    }
    for (const listener of this.scrolledListeners) listener(top + this.headerHeight());
    const now = performance.now();
    clearTimeout(this.settle);
    // Held on a scroll of the page only, not when what is above the grid changes height.
    if (this.scrollY !== null && window.scrollY !== this.scrollY) this.holdPointer();
    this.scrollY = window.scrollY;
    if (top !== this.last.top) {
      const speed = Math.abs(top - this.last.top) / view / Math.max(1, now - this.last.time) * 1000;
      this.last = { top, time: now };
      if (speed < FAST_SCREENS_PER_SECOND) this.showImages();
      else {
        this.stopAhead(); // No images ahead while flinging either.
        this.settle = setTimeout(() => this.showImages(), SETTLE_MS);
      }
    } else {
      // Drawn without a scroll (a month's assets came): the page is as fast as its last move,
      // so a month arriving in the middle of a fling does not fetch the images of its tiles.
      const still = now - this.last.time;
      this.settle = setTimeout(() => this.showImages(), Math.max(0, SETTLE_MS - still));
    }
  }

  /// Takes the grid out of pointer hit-testing until scrolling has paused for `SETTLE_MS`: tiles
  /// sliding under a still mouse would otherwise each be hovered in turn, every frame a hit
  /// test, a tile's check repainted and the link's address sent to the browser's status bar.
  /// Not while a button is pressed (the release would land beside the grid and the click be
  /// lost), and given back as soon as the mouse moves.
  holdPointer() {
    if (this.pressed) return;
    if (!this.scrolling) {
      this.scrolling = true;
      this.container.classList.add("scrolling");
    }
    clearTimeout(this.pointerTimer);
    this.pointerTimer = setTimeout(() => this.releasePointer(), SETTLE_MS);
  }

  /// Gives the grid the pointer again (the hold's end, early when the mouse moves or presses).
  releasePointer() {
    clearTimeout(this.pointerTimer);
    this.scrolling = false;
    this.container.classList.remove("scrolling");
  }

  /// Asks for the images of the tiles on screen at once, and of those drawn ahead (above and
  /// below it) a few a frame, nearest first: a browser decodes a thumbnail while drawing the frame
  /// that first shows it, and a row's worth at once makes that frame late.
  showImages() {
    this.stopAhead();
    const view = window.innerHeight;
    const top = window.scrollY - this.origin();
    const ahead = [];
    for (const node of this.waiting) {
      if (!node.isConnected) {
        this.waiting.delete(node);
        continue;
      }
      const s = node.section;
      const y = this.tilesTop(s) + node.tileY;
      const distance = Math.max(top - (y + node.tileHeight), y - (top + view));
      if (distance <= 0) {
        node.showImage();
        this.waiting.delete(node);
      } else ahead.push([distance, node]);
    }
    if (!ahead.length) return;
    ahead.sort((a, b) => a[0] - b[0]);
    const queue = ahead.map(([, node]) => node);
    const next = () => {
      this.trickleFrame = 0;
      for (let shown = 0; shown < AHEAD_IMAGES_PER_FRAME && queue.length; ) {
        const node = queue.shift();
        if (!this.waiting.delete(node) || !node.isConnected) continue;
        node.showImage();
        shown++;
      }
      if (queue.length) this.trickleFrame = requestAnimationFrame(next);
    };
    this.trickleFrame = requestAnimationFrame(next);
  }

  /// Stops asking for the images of tiles ahead of the screen (they stay waiting).
  stopAhead() {
    cancelAnimationFrame(this.trickleFrame);
    this.trickleFrame = 0;
  }

  /// Fetches a section's assets once (again after a failure, at most every 5 seconds).
  load(s) {
    if (s.assets) return Promise.resolve(s.assets);
    if (s.loading) return s.loading;
    if (Date.now() - s.failedAt < 5000) return Promise.resolve(null);
    s.loading = s
      .load()
      .then((assets) => {
        s.loading = null;
        if (this.destroyed) return assets;
        s.assets = assets;
        this.index(s);
        const before = s.height;
        // Read before the page changes: a page that shrinks under a scroll position at its end
        // moves that position itself, so a relative scroll afterwards would count it twice.
        const scrollY = window.scrollY;
        const viewTop = scrollY - this.origin();
        this.size(s);
        let offset = s.offset + s.height;
        for (let i = s.index + 1; i < this.sections.length; i++) {
          this.sections[i].offset = offset;
          offset += this.sections[i].height;
        }
        this.totalHeight = offset;
        this.container.style.height = `${offset}px`;
        // A section starting above the screen grew or shrank: move with it, so what is on
        // screen below its top stays where it is.
        if (s.offset < viewTop && s.height !== before) window.scrollTo(0, scrollY + s.height - before);
        this.changed();
        this.schedule();
        return assets;
      })
      .catch((err) => {
        s.loading = null;
        s.failedAt = Date.now();
        this.onError(s, err);
        // Try again if the section is still wanted then, even without a scroll.
        setTimeout(this.schedule, 5100);
        return null;
      });
    return s.loading;
  }

  /// Fetches a loaded section's assets again (something in it changed elsewhere); the page
  /// keeps its place as when the section was first fetched.
  reload(s) {
    // Not fetched yet: it will be, fresh, when it comes near the screen.
    if (!s.assets) return Promise.resolve(null);
    for (const a of s.assets) this.where.delete(a.id);
    this.clear(s);
    s.assets = null;
    return this.load(s);
  }

  /// The section of asset `id`, if loaded; else the one of the month of `localDateTime` (ISO).
  sectionOf(id, localDateTime) {
    const at = this.where.get(id);
    if (at) return this.sections[at[0]];
    const month = localDateTime?.slice(0, 7);
    return (month && this.sections.find((x) => x.key.startsWith(month))) || null;
  }

  /// Puts in the page the tiles of `s` whose rows overlap [from, to] (grid coordinates) and
  /// takes out the others.
  draw(s, from, to) {
    const { x, y, w, h } = s.layout;
    const n = s.assets.length;
    // Rows are in asset order, so the visible tiles are one run of indices.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (y[mid] + h[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    const start = lo;
    hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (y[mid] <= to) lo = mid + 1;
      else hi = mid;
    }
    const end = lo;
    for (const [i, node] of s.tiles) {
      if (i < start || i >= end) {
        node.remove();
        this.waiting.delete(node);
        s.tiles.delete(i);
      }
    }
    const fresh = [];
    for (let i = start; i < end; i++) {
      if (s.tiles.has(i)) continue;
      const node = this.makeTile(s.assets[i], i);
      placeNode(node, x[i], y[i], w[i], h[i]);
      node.section = s;
      node.tileY = y[i];
      node.tileHeight = h[i];
      s.tiles.set(i, node);
      if (node.showImage) this.waiting.add(node);
      fresh.push(node);
    }
    // The days' titles in the range (a month has at most 31).
    s.layout.days.forEach((day, d) => {
      const shown = this.makeDayTitle && day.y + DAY_TITLE_HEIGHT >= from && day.y <= to;
      const node = s.dayTitles.get(d);
      if (!shown) {
        node?.remove();
        s.dayTitles.delete(d);
      } else if (!node) {
        const title = this.makeDayTitle(day, s);
        placeNode(title, day.x, day.y, day.width, DAY_TITLE_HEIGHT);
        s.dayTitles.set(d, title);
        fresh.push(title);
      }
    });
    if (fresh.length) s.grid.append(...fresh);
  }

  clear(s) {
    for (const node of s.tiles.values()) {
      node.remove();
      this.waiting.delete(node);
    }
    s.tiles.clear();
    for (const node of s.dayTitles.values()) node.remove();
    s.dayTitles.clear();
  }

  /// The asset `id` as its section holds it (null when its section is not loaded).
  assetOf(id) {
    const at = this.where.get(id);
    return at ? this.sections[at[0]].assets[at[1]] : null;
  }

  /// Fetches every section (Select all): the grid's assets, in order.
  async allAssets() {
    const loaded = await Promise.all(this.sections.map((s) => this.load(s)));
    return loaded.flatMap((assets) => assets || []);
  }

  /// The asset `delta` places from `id` in grid order, fetching neighbouring sections as
  /// needed; null at either end.
  async neighbour(id, delta) {
    const at = await this.place(id);
    if (!at) return null;
    let [si, i] = at;
    i += delta;
    for (;;) {
      const s = this.sections[si];
      if (i < 0) {
        if (--si < 0) return null;
        const assets = await this.load(this.sections[si]);
        if (!assets) return null;
        i += assets.length;
      } else if (i >= s.assets.length) {
        i -= s.assets.length;
        if (++si >= this.sections.length) return null;
        if (!(await this.load(this.sections[si]))) return null;
      } else {
        return s.assets[i];
      }
    }
  }

  /// Where asset `id` is ([section, index]), once any section being fetched again (a live
  /// event's `reload`, which forgets its assets meanwhile) has come back; null if not loaded.
  async place(id) {
    if (!this.where.has(id)) await Promise.all(this.sections.map((s) => s.loading).filter(Boolean));
    return this.where.get(id) || null;
  }

  /// The ids from `a` to `b` inclusive (either order), in grid order, fetching the sections
  /// between them as needed.
  async between(a, b) {
    let from = await this.place(a);
    let to = await this.place(b);
    if (!from || !to) return null;
    if (from[0] > to[0] || (from[0] === to[0] && from[1] > to[1])) [from, to] = [to, from];
    const ids = [];
    for (let si = from[0]; si <= to[0]; si++) {
      const assets = await this.load(this.sections[si]);
      if (!assets) return null;
      const start = si === from[0] ? from[1] : 0;
      const end = si === to[0] ? to[1] : assets.length - 1;
      for (let i = start; i <= end; i++) ids.push(assets[i].id);
    }
    return ids;
  }

  /// Fetches the section of the month of `localDateTime` (ISO), unless `id` is known already.
  async loadMonthOf(id, localDateTime) {
    if (this.where.has(id) || !localDateTime) return;
    const month = localDateTime.slice(0, 7);
    const s = this.sections.find((x) => x.key.startsWith(month));
    if (s) await this.load(s);
  }

  /// Scrolls, if needed, so the tile of `id` is on screen (below the top bar).
  scrollToAsset(id) {
    const at = this.where.get(id);
    const s = at && this.sections[at[0]];
    if (!s?.layout) return;
    const top = this.origin() + this.tilesTop(s) + s.layout.y[at[1]];
    const bottom = top + s.layout.h[at[1]];
    const header = this.headerHeight();
    if (top < window.scrollY + header || bottom > window.scrollY + window.innerHeight) {
      window.scrollTo(0, top - header - (window.innerHeight - header) / 3);
    }
  }

  /// Calls `fn(node)` for every tile in the page.
  eachTile(fn) {
    for (const s of this.sections) for (const node of s.tiles.values()) fn(node);
  }

  /// Scrolls so the section `s` starts at the top of the screen.
  scrollToSection(s, fraction = 0) {
    window.scrollTo(0, this.origin() + s.offset + fraction * s.height - this.headerHeight());
  }

  /// Height of the sticky bar over the page top (so a jump lands below it), measured once.
  headerHeight() {
    if (this.header === undefined) this.header = document.querySelector(".topbar")?.offsetHeight || 0;
    return this.header;
  }
}

/// The date scrubber: the whole timeline mapped onto the screen's height, each month as tall as
/// its share of the page, years labelled where they start. Pointing shows the month under the
/// pointer; pressing or dragging scrolls there; a year label jumps to the year's first month.
export function scrubber(grid) {
  const bar = document.createElement("nav");
  bar.className = "scrubber";
  bar.setAttribute("aria-label", "Dates");
  const marker = document.createElement("div");
  marker.className = "scrub-marker";
  const hover = document.createElement("div");
  hover.className = "scrub-hover";
  hover.hidden = true;
  const labels = document.createElement("div");
  labels.className = "scrub-labels";
  bar.append(labels, marker, hover);

  const fractionOf = (s) => (grid.totalHeight ? s.offset / grid.totalHeight : 0);
  let height = 0; // the bar's, kept by the ResizeObserver below (reading it would force a layout)
  let lastTop = 0;
  let drawn = "";
  let pending = 0;
  const draw = () => {
    pending = 0;
    const shown = [];
    let last = -Infinity;
    let year = null;
    for (const s of grid.sections) {
      const y = s.key.slice(0, 4);
      if (y === year) continue;
      year = y;
      const top = fractionOf(s) * height;
      // Labels closer than a line apart would overlap: the later one is left out.
      if (top - last < 16) continue;
      last = top;
      shown.push({ year: y, top, s });
    }
    // Sections fetched while scrolling rarely move a year's label by a pixel: nothing to redo.
    const layout = shown.map((l) => `${l.year}@${Math.round(l.top)}`).join();
    if (layout !== drawn) {
      drawn = layout;
      labels.replaceChildren(
        ...shown.map(({ year, top, s }) => {
          const label = document.createElement("a");
          label.href = "#";
          label.dataset.year = year;
          label.textContent = year;
          label.style.top = `${top}px`;
          label.addEventListener("click", (e) => (e.preventDefault(), grid.scrollToSection(s)));
          return label;
        }),
      );
    }
    moveMarker(lastTop);
  };
  // Sections fetched together redraw it once, in the next frame.
  const redraw = () => {
    if (!pending) pending = requestAnimationFrame(draw);
  };
  const moveMarker = (top) => {
    lastTop = top;
    const fraction = grid.totalHeight ? Math.min(1, Math.max(0, top / grid.totalHeight)) : 0;
    marker.style.transform = `translateY(${fraction * height}px)`;
  };
  // The section under a point of the bar, and how far into it.
  const pointAt = (clientY) => {
    const r = bar.getBoundingClientRect();
    const y = Math.min(1, Math.max(0, (clientY - r.top) / r.height)) * grid.totalHeight;
    const s = grid.sectionAt(y);
    return s && { s, fraction: Math.min(1, (y - s.offset) / s.height), y: clientY - r.top };
  };
  let dragging = false;
  bar.addEventListener("pointermove", (e) => {
    const p = pointAt(e.clientY);
    if (!p) return;
    hover.hidden = false;
    hover.textContent = p.s.title;
    hover.style.top = `${p.y}px`;
    if (dragging) grid.scrollToSection(p.s, p.fraction);
  });
  bar.addEventListener("pointerleave", () => (hover.hidden = true));
  bar.addEventListener("pointerdown", (e) => {
    if (e.target.dataset.year) return;
    dragging = true;
    bar.setPointerCapture(e.pointerId);
    const p = pointAt(e.clientY);
    if (p) grid.scrollToSection(p.s, p.fraction);
  });
  const stop = () => (dragging = false);
  bar.addEventListener("pointerup", stop);
  bar.addEventListener("pointercancel", stop);
  grid.onChange(redraw);
  grid.onScrolled(moveMarker);
  new ResizeObserver(([entry]) => {
    height = entry.contentRect.height;
    drawn = "";
    redraw();
  }).observe(bar);
  return bar;
}
