// Ferrotype's web app: plain ES modules, no build step, talking only to the public API (the
// same routes the Immich clients use). Pages: first-run sign-up, login, the timeline (justified
// rows per month, loaded and drawn only near the viewport), the viewer, and upload.

import { toDataURL } from "/thumbhash.js";

const app = document.getElementById("app");
const state = { user: null, assets: [], months: [], observer: null };

// ---- small helpers ----------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(c));
  }
  return node;
}

export function toast(message, kind = "info") {
  const t = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  document.getElementById("toasts").append(t);
  setTimeout(() => t.remove(), 5000);
}

async function api(method, path, body) {
  const init = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(`/api${path}`, init);
  const text = await r.text();
  const data = text ? JSON.parse(text) : null;
  if (!r.ok) {
    const err = new Error((data && data.message) || `${r.status} ${r.statusText}`);
    err.status = r.status;
    throw err;
  }
  return data;
}

function navigate(path) {
  history.pushState(null, "", path);
  route();
}

window.addEventListener("popstate", () => route());

// ---- pages -------------------------------------------------------------------------------

async function route() {
  const path = location.pathname;
  if (state.observer) state.observer.disconnect();
  const config = await api("GET", "/server/config").catch(() => ({ isInitialized: true }));
  if (!config.isInitialized) return signUpPage();
  state.user = await api("GET", "/users/me").catch(() => null);
  if (!state.user) return loginPage();
  if (path === "/" || path === "/photos") return timelinePage();
  if (path.startsWith("/photos/")) {
    await timelinePage();
    return openViewer(path.slice("/photos/".length));
  }
  return timelinePage();
}

function formPage(title, fields, submitLabel, onSubmit) {
  const error = el("p", { class: "form-error", role: "alert" });
  const form = el(
    "form",
    { class: "card" },
    el("h1", {}, title),
    ...fields.map(([name, label, type]) =>
      el("label", {}, label, el("input", { name, type, required: true, autocomplete: type === "password" ? "current-password" : name })),
    ),
    error,
    el("button", { type: "submit" }, submitLabel),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const values = Object.fromEntries(new FormData(form));
    try {
      await onSubmit(values);
    } catch (err) {
      error.textContent = err.message;
    }
  });
  app.replaceChildren(el("main", { class: "centered" }, form));
}

function signUpPage() {
  formPage(
    "Welcome to Ferrotype",
    [["name", "Name", "text"], ["email", "Email", "email"], ["password", "Password", "password"]],
    "Create the admin account",
    async (v) => {
      await api("POST", "/auth/admin-sign-up", v);
      await api("POST", "/auth/login", { email: v.email, password: v.password });
      toast("Admin account created");
      navigate("/photos");
    },
  );
}

function loginPage() {
  formPage("Sign in to Ferrotype", [["email", "Email", "email"], ["password", "Password", "password"]], "Sign in", async (v) => {
    await api("POST", "/auth/login", v);
    navigate("/photos");
  });
}

async function logout() {
  await api("POST", "/auth/logout").catch(() => {});
  state.user = null;
  navigate("/");
}

// ---- the timeline ------------------------------------------------------------------------

const ROW_HEIGHT = 220;
const GAP = 4;

function header() {
  const picker = el("input", { type: "file", multiple: true, accept: "image/*,video/*", id: "upload-input", hidden: true });
  picker.addEventListener("change", () => upload([...picker.files]).then(() => (picker.value = "")));
  return el(
    "header",
    { class: "topbar" },
    el("a", { href: "/photos", class: "brand", onclick: (e) => (e.preventDefault(), navigate("/photos")) }, "Ferrotype"),
    el("span", { class: "spacer" }),
    el("button", { type: "button", id: "upload-button", onclick: () => picker.click() }, "Upload"),
    picker,
    el("span", { class: "who" }, state.user.name),
    el("button", { type: "button", class: "quiet", onclick: logout }, "Sign out"),
  );
}

/// Lays a month's assets out in rows as wide as the page, each row scaled to fill it.
function justify(ratios, width) {
  const rows = [];
  let row = [];
  let sum = 0;
  for (let i = 0; i < ratios.length; i++) {
    row.push(i);
    sum += ratios[i];
    const height = (width - GAP * (row.length - 1)) / sum;
    if (height <= ROW_HEIGHT) {
      rows.push({ items: row, height });
      row = [];
      sum = 0;
    }
  }
  if (row.length) rows.push({ items: row, height: Math.min(ROW_HEIGHT, (width - GAP * (row.length - 1)) / sum) });
  return rows;
}

function monthTitle(bucket) {
  const d = new Date(`${bucket.slice(0, 10)}T00:00:00Z`);
  return d.toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });
}

async function timelinePage() {
  const drop = el("div", { class: "dropzone", hidden: true }, "Drop photos and videos to upload");
  const scrubber = el("nav", { class: "scrubber", "aria-label": "Dates" });
  const timeline = el("section", { class: "timeline", id: "timeline" });
  const progress = el("ul", { class: "uploads", id: "uploads" });
  app.replaceChildren(header(), el("main", { class: "photos" }, timeline, scrubber), progress, drop);
  setUpDrop(drop);

  let buckets;
  try {
    buckets = await api("GET", "/timeline/buckets?visibility=timeline&order=desc");
  } catch (err) {
    toast(`Cannot load the timeline: ${err.message}`, "error");
    return;
  }
  if (!buckets.length) {
    timeline.append(el("p", { class: "empty" }, "No photos yet. Upload some with the button above or drop them here."));
  }
  const width = () => timeline.clientWidth || 800;
  state.months = buckets.map((b) => {
    // Until a month is loaded its height is an estimate from its count (square tiles).
    const perRow = Math.max(1, Math.floor(width() / ROW_HEIGHT));
    const estimate = Math.ceil(b.count / perRow) * (ROW_HEIGHT + GAP) + 48;
    const section = el("section", { class: "month", "data-bucket": b.timeBucket, style: `min-height:${estimate}px` });
    section.append(el("h2", {}, monthTitle(b.timeBucket)));
    timeline.append(section);
    const year = b.timeBucket.slice(0, 4);
    if (!scrubber.querySelector(`[data-year="${year}"]`)) {
      scrubber.append(el("a", { href: "#", "data-year": year, onclick: (e) => (e.preventDefault(), section.scrollIntoView()) }, year));
    }
    return { bucket: b.timeBucket, count: b.count, section, assets: null, drawn: false };
  });
  state.assets = [];
  // Months are fetched and drawn when they come near the viewport, and emptied again when they
  // are far away, so a library of any size keeps a bounded number of tiles in the page.
  state.observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const month = state.months.find((m) => m.section === entry.target);
        if (!month) continue;
        if (entry.isIntersecting) showMonth(month, width());
        else hideMonth(month);
      }
    },
    { rootMargin: "1500px 0px" },
  );
  for (const m of state.months) state.observer.observe(m.section);
}

async function loadMonth(month) {
  if (month.assets) return month.assets;
  const cols = await api("GET", `/timeline/bucket?visibility=timeline&order=desc&timeBucket=${encodeURIComponent(month.bucket)}`);
  month.assets = cols.id.map((id, i) => ({
    id,
    ratio: cols.ratio[i] || 1,
    thumbhash: cols.thumbhash[i],
    isImage: cols.isImage[i],
    isFavorite: cols.isFavorite[i],
    duration: cols.duration[i],
  }));
  // The viewer steps through every loaded asset in timeline order.
  state.assets = state.months.flatMap((m) => m.assets || []);
  return month.assets;
}

async function showMonth(month, width) {
  if (month.drawn) return;
  month.drawn = true;
  let assets;
  try {
    assets = await loadMonth(month);
  } catch (err) {
    month.drawn = false;
    toast(`Cannot load ${monthTitle(month.bucket)}: ${err.message}`, "error");
    return;
  }
  if (!month.drawn) return;
  const rows = justify(assets.map((a) => a.ratio), width);
  const grid = el("div", { class: "grid" });
  for (const row of rows) {
    const line = el("div", { class: "row", style: `height:${row.height}px` });
    for (const i of row.items) line.append(tile(assets[i], row.height));
    grid.append(line);
  }
  month.section.querySelector(".grid")?.remove();
  month.section.append(grid);
  month.section.style.minHeight = `${month.section.scrollHeight}px`;
}

function hideMonth(month) {
  if (!month.drawn) return;
  month.drawn = false;
  month.section.querySelector(".grid")?.remove();
}

function tile(asset, height) {
  const width = height * asset.ratio;
  const img = el("img", {
    class: "thumb",
    alt: "",
    loading: "lazy",
    decoding: "async",
    src: `/api/assets/${asset.id}/thumbnail?size=thumbnail`,
  });
  const link = el(
    "a",
    {
      class: "tile",
      href: `/photos/${asset.id}`,
      "data-id": asset.id,
      style: `width:${width}px;height:${height}px`,
      onclick: (e) => (e.preventDefault(), openViewer(asset.id)),
    },
    img,
  );
  if (asset.thumbhash) {
    try {
      link.style.backgroundImage = `url(${toDataURL(asset.thumbhash)})`;
    } catch {
      // A hash we cannot read only costs the placeholder.
    }
  }
  img.addEventListener("load", () => link.classList.add("loaded"));
  // Right after an upload the thumbnail may not exist yet: ask again, a little later each time.
  let tries = 0;
  img.addEventListener("error", () => {
    if (++tries > 20) return;
    setTimeout(() => (img.src = `/api/assets/${asset.id}/thumbnail?size=thumbnail&retry=${tries}`), 500 * tries);
  });
  if (!asset.isImage) link.append(el("span", { class: "badge" }, "▶"));
  return link;
}

// ---- upload --------------------------------------------------------------------------------

function setUpDrop(drop) {
  let depth = 0;
  window.ondragenter = (e) => {
    if (!e.dataTransfer?.types?.includes("Files")) return;
    depth++;
    drop.hidden = false;
  };
  window.ondragleave = () => {
    depth = Math.max(0, depth - 1);
    if (!depth) drop.hidden = true;
  };
  window.ondragover = (e) => e.preventDefault();
  window.ondrop = (e) => {
    e.preventDefault();
    depth = 0;
    drop.hidden = true;
    upload([...(e.dataTransfer?.files || [])]);
  };
}

function uploadOne(file, row) {
  return new Promise((resolve) => {
    const form = new FormData();
    const modified = new Date(file.lastModified || Date.now()).toISOString();
    form.append("deviceAssetId", `web-${file.name}-${file.size}-${file.lastModified}`);
    form.append("deviceId", "WEB");
    form.append("fileCreatedAt", modified);
    form.append("fileModifiedAt", modified);
    form.append("isFavorite", "false");
    form.append("assetData", file, file.name);
    const xhr = new XMLHttpRequest();
    const bar = row.querySelector("progress");
    const status = row.querySelector(".status");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = e.loaded / e.total;
    };
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status === 201) {
        status.textContent = "uploaded";
        row.classList.add("done");
        resolve("created");
      } else if (xhr.status === 200 && body.status === "duplicate") {
        status.textContent = "already in your library";
        row.classList.add("duplicate");
        resolve("duplicate");
      } else {
        status.textContent = body.message || `failed (${xhr.status})`;
        row.classList.add("failed");
        resolve("failed");
      }
      bar.value = 1;
    };
    xhr.onerror = () => {
      status.textContent = "network error";
      row.classList.add("failed");
      resolve("failed");
    };
    xhr.open("POST", "/api/assets");
    xhr.send(form);
  });
}

async function upload(files) {
  if (!files.length) return;
  const list = document.getElementById("uploads");
  const results = { created: 0, duplicate: 0, failed: 0 };
  const queue = files.map((file) => {
    const row = el("li", { class: "upload" }, el("span", { class: "name" }, file.name), el("progress", { max: 1, value: 0 }), el("span", { class: "status" }, "waiting"));
    list.append(row);
    return { file, row };
  });
  // Three at a time, like the Immich web client.
  const workers = Array.from({ length: 3 }, async () => {
    while (queue.length) {
      const { file, row } = queue.shift();
      row.querySelector(".status").textContent = "uploading";
      results[await uploadOne(file, row)]++;
    }
  });
  await Promise.all(workers);
  const parts = [`${results.created} uploaded`];
  if (results.duplicate) parts.push(`${results.duplicate} already there`);
  if (results.failed) parts.push(`${results.failed} failed`);
  toast(parts.join(", "), results.failed ? "error" : "info");
  setTimeout(() => list.replaceChildren(), 4000);
  // Thumbnails are made in the background; the grid shows placeholders until they exist.
  if (results.created) setTimeout(() => timelinePage(), 1500);
}

// ---- the viewer ----------------------------------------------------------------------------

async function openViewer(id) {
  document.querySelector(".viewer")?.remove();
  const index = () => state.assets.findIndex((a) => a.id === current);
  let current = id;
  const media = el("div", { class: "media" });
  const info = el("aside", { class: "info", hidden: true });
  const close = () => {
    overlay.remove();
    document.removeEventListener("keydown", keys);
    if (location.pathname !== "/photos") history.replaceState(null, "", "/photos");
  };
  const step = (delta) => {
    const i = index();
    const next = state.assets[i + delta];
    if (next) show(next.id);
  };
  const overlay = el(
    "div",
    { class: "viewer", role: "dialog", "aria-label": "Photo viewer" },
    el(
      "div",
      { class: "viewer-bar" },
      el("button", { type: "button", "aria-label": "Close", onclick: close }, "✕"),
      el("span", { class: "spacer" }),
      el("button", { type: "button", "aria-label": "Info", onclick: () => (info.hidden = !info.hidden) }, "ⓘ"),
    ),
    el("button", { type: "button", class: "nav prev", "aria-label": "Previous", onclick: () => step(-1) }, "‹"),
    media,
    el("button", { type: "button", class: "nav next", "aria-label": "Next", onclick: () => step(1) }, "›"),
    info,
  );
  const keys = (e) => {
    if (e.key === "ArrowRight") step(1);
    else if (e.key === "ArrowLeft") step(-1);
    else if (e.key === "Escape") close();
    else if (e.key === "i") info.hidden = !info.hidden;
  };
  document.addEventListener("keydown", keys);
  // Swipe left or right on touch screens.
  let touchX = null;
  media.addEventListener("touchstart", (e) => (touchX = e.touches[0].clientX), { passive: true });
  media.addEventListener("touchend", (e) => {
    if (touchX === null) return;
    const dx = e.changedTouches[0].clientX - touchX;
    if (Math.abs(dx) > 50) step(dx < 0 ? 1 : -1);
    touchX = null;
  });
  document.body.append(overlay);

  async function show(assetId) {
    current = assetId;
    overlay.dataset.id = assetId;
    history.replaceState(null, "", `/photos/${assetId}`);
    let asset;
    try {
      asset = await api("GET", `/assets/${assetId}`);
    } catch (err) {
      toast(`Cannot open this asset: ${err.message}`, "error");
      return;
    }
    if (current !== assetId) return;
    if (asset.type === "VIDEO") {
      media.replaceChildren(
        el("video", { src: `/api/assets/${assetId}/video/playback`, controls: true, autoplay: true, poster: `/api/assets/${assetId}/thumbnail?size=preview` }),
      );
    } else {
      const img = el("img", { class: "preview", alt: asset.originalFileName, src: `/api/assets/${assetId}/thumbnail?size=preview` });
      // Zoom: a click doubles the size around the clicked point; another click resets it.
      img.addEventListener("click", (e) => {
        const zoomed = img.classList.toggle("zoomed");
        if (zoomed) {
          const r = img.getBoundingClientRect();
          img.style.transformOrigin = `${((e.clientX - r.left) / r.width) * 100}% ${((e.clientY - r.top) / r.height) * 100}%`;
        }
      });
      media.replaceChildren(img);
    }
    info.replaceChildren(...infoRows(asset));
  }
  await show(id);
}

function infoRows(asset) {
  const e = asset.exifInfo || {};
  const rows = [
    ["File", asset.originalFileName],
    ["Taken", e.dateTimeOriginal ? new Date(e.dateTimeOriginal).toLocaleString() : new Date(asset.localDateTime).toLocaleString()],
    ["Place", [e.city, e.state, e.country].filter(Boolean).join(", ")],
    ["Camera", [e.make, e.model].filter(Boolean).join(" ")],
    ["Lens", e.lensModel],
    ["Exposure", [e.fNumber && `ƒ/${e.fNumber}`, e.exposureTime && `${e.exposureTime} s`, e.focalLength && `${e.focalLength} mm`, e.iso && `ISO ${e.iso}`].filter(Boolean).join(" · ")],
    ["Size", e.exifImageWidth ? `${e.exifImageWidth} × ${e.exifImageHeight}` : asset.width ? `${asset.width} × ${asset.height}` : ""],
  ];
  return [
    el("h2", {}, "Details"),
    el("dl", {}, ...rows.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))])),
  ];
}

route();
