// The viewer over the page: a photo or video at a time, stepping through the page's grid by
// keyboard, buttons or swipes; its address in the history (Back closes it); details beside it.

import { api } from "/api.js";
import { el } from "/dom.js";
import { state, linkQuery } from "/state.js";
import { route } from "/router.js";
import { toast, guard } from "/components/toast.js";
import { moveLocked } from "/components/move-locked.js";

/// The open viewer and the browser's history: `close` closes it (`.from`: the address it was
/// opened from), `ignorePop` marks its own history.back() on close, `afterPop` is what that
/// close does once the back() has landed.
export const viewerHistory = { close: null, ignorePop: false, afterPop: null };

export async function openViewer(id) {
  viewerHistory.close?.(true);
  document.querySelector(".viewer")?.remove();
  let current = id;
  const media = el("div", { class: "media" });
  const download = el("a", {
    class: "button",
    id: "download-original",
    "aria-label": "Download",
    hidden: Boolean(state.scope.link && !state.scope.link.allowDownload),
  }, "⬇");
  const info = el("aside", { class: "info", hidden: true });
  // The owner moves a photo in or out of the locked folder from here too.
  let shownAsset = null;
  const lockToggle = el("button", { type: "button", class: "lock-toggle", hidden: true, onclick: guard("Cannot move it", async () => {
    const asset = shownAsset;
    if (!asset || !(await moveLocked([asset.id], asset.visibility !== "locked"))) return;
    close(false, route);
  }) });
  // The viewer's addresses are under the page's own: /locked/photos/<id> in the locked folder.
  const home = state.scope.view === "/locked" ? "/locked" : "/photos";
  // Opening from a page adds the photo's address to the history (Back closes the viewer); one
  // opened by its address was drawn over its page, where closing leaves it. `then` runs once
  // the address is the page's again.
  const from = location.pathname + location.search;
  let pushed = false;
  const close = (fromHistory = false, then = null) => {
    overlay.remove();
    document.removeEventListener("keydown", keys);
    viewerHistory.close = null;
    // Back in the grid where the viewer left off.
    state.grid?.scrollToAsset(current);
    if (fromHistory || state.scope.query) return then?.();
    if (pushed) {
      viewerHistory.ignorePop = true;
      viewerHistory.afterPop = then;
      history.back();
    } else {
      if (location.pathname !== home) history.replaceState(null, "", home);
      then?.();
    }
  };
  viewerHistory.close = close;
  viewerHistory.close.from = from.includes("/photos/") ? home : from;
  // The asset shown last, once its month is known to the grid (stepping waits for it).
  let shown = Promise.resolve();
  const step = async (delta) => {
    await shown;
    const next = await state.grid?.neighbour(current, delta);
    if (next) shown = show(next.id);
  };
  const overlay = el(
    "div",
    { class: "viewer", role: "dialog", "aria-label": "Photo viewer" },
    el(
      "div",
      { class: "viewer-bar" },
      el("button", { type: "button", "aria-label": "Close", onclick: () => close() }, "✕"),
      el("span", { class: "spacer" }),
      lockToggle,
      download,
      el("button", { type: "button", class: "info-button", "aria-label": "Info", onclick: () => (info.hidden = !info.hidden) }, "i"),
    ),
    el("button", { type: "button", class: "nav prev", "aria-label": "Previous", onclick: () => step(-1) }, "‹"),
    media,
    el("button", { type: "button", class: "nav next", "aria-label": "Next", onclick: () => step(1) }, "›"),
    info,
  );
  const keys = (e) => {
    // A dialog over the viewer (moving to the locked folder) takes the keys.
    if (document.querySelector("dialog[open]")) return;
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
    if (!state.scope.query) {
      const address = `${home === "/locked" ? "/locked" : ""}/photos/${assetId}`;
      if (!pushed && !from.includes("/photos/")) {
        history.pushState(null, "", address);
        pushed = true;
      } else {
        history.replaceState(null, "", address);
      }
    }
    let asset;
    try {
      asset = await api("GET", `/assets/${assetId}${linkQuery("?")}`);
    } catch (err) {
      toast(`Cannot open this asset: ${err.message}`, "error");
      return;
    }
    if (current !== assetId) return;
    // Opened by its address (/photos/<id>): fetch its month so the viewer can step from it.
    await state.grid?.loadMonthOf(assetId, asset.localDateTime);
    if (asset.type === "VIDEO") {
      media.replaceChildren(
        el("video", { src: `/api/assets/${assetId}/video/playback${linkQuery("?")}`, controls: true, autoplay: true, poster: `/api/assets/${assetId}/thumbnail?size=preview${linkQuery()}` }),
      );
    } else {
      const img = el("img", { class: "preview", alt: asset.originalFileName, src: `/api/assets/${assetId}/thumbnail?size=preview${linkQuery()}` });
      // Zoom: a click doubles the size around the clicked point; another click resets it.
      img.addEventListener("click", (e) => {
        const zoomed = img.classList.toggle("zoomed");
        if (zoomed) {
          const r = img.getBoundingClientRect();
          img.style.transformOrigin = `${((e.clientX - r.left) / r.width) * 100}% ${((e.clientY - r.top) / r.height) * 100}%`;
        }
      });
      // No broken-image icon: say what happened, and keep the viewer's controls.
      img.addEventListener("error", () => {
        if (img.isConnected) {
          img.replaceWith(el("p", { class: "preview-failed", role: "img", "aria-label": asset.originalFileName }, "This photo has no preview yet, or it cannot be shown."));
        }
      });
      media.replaceChildren(img);
    }
    info.replaceChildren(...infoRows(asset));
    shownAsset = asset;
    lockToggle.hidden = !(state.user && asset.ownerId === state.user.id && !asset.isTrashed && !state.scope.link);
    lockToggle.textContent = asset.visibility === "locked" ? "Move out of locked folder" : "Move to locked folder";
    // Originals: for the owner, and for a link's visitors only when it allows downloads.
    const link = state.scope.link;
    download.hidden = Boolean(link && !link.allowDownload);
    download.href = `/api/assets/${assetId}/original${linkQuery("?")}`;
    download.setAttribute("download", asset.originalFileName);
  }
  shown = show(id);
  await shown;
}

export function infoRows(asset) {
  const e = asset.exifInfo || {};
  const rows = [
    ["File", asset.originalFileName],
    ["Taken", e.dateTimeOriginal ? new Date(e.dateTimeOriginal).toLocaleString() : new Date(asset.localDateTime).toLocaleString()],
    ["Place", [e.city, e.state, e.country].filter(Boolean).join(", ")],
    // Models often start with the make ("Canon EOS M50"): not twice.
    ["Camera", e.model && e.make && e.model.toLowerCase().startsWith(e.make.toLowerCase()) ? e.model : [e.make, e.model].filter(Boolean).join(" ")],
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
