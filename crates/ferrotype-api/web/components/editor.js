// The photo editor (Immich's non-destructive edits): rotate left or right, mirror, crop by
// dragging a rectangle, then Save (PUT /assets/{id}/edits) or Reset (DELETE). The original is
// never changed: the server makes edited thumbnails, preview and full-size copy, and the
// viewer and the grid show those once made.
//
// The state is kept as Immich's web editor keeps it: an optional crop (in the coordinates of the
// picture as shown, before any turn), mirrors, then a clockwise rotation; the list saved is in
// that order (crop, mirrors, rotate), the order the server applies them in. The canvas draws
// exactly that from the unedited preview.

import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { api } from "/api.js";
import { html } from "/ui.js";
import { state } from "/state.js";
import { Modal, openModal } from "/components/modal.js";
import { guard, toast } from "/components/toast.js";

const STRINGS = {
  title: "Edit",
  photo: "Edited photo",
  tools: "Edit tools",
  rotateLeft: "Rotate left",
  rotateRight: "Rotate right",
  mirror: "Mirror",
  crop: "Crop",
  clearCrop: "Clear crop",
  save: "Save",
  reset: "Reset",
  cancel: "Cancel",
  saved: "Saved; the edited photo is on its way",
  cannotSave: "Cannot save the edits",
  cannotReset: "Cannot reset the edits",
};

/// The picture's size as shown before edits: the EXIF size, turned by orientations 5 to 8;
/// what crop coordinates are measured in.
function displayedSize(asset, image) {
  const exif = asset.exifInfo || {};
  let w = exif.exifImageWidth;
  let h = exif.exifImageHeight;
  if (!w || !h) return { w: image.naturalWidth, h: image.naturalHeight };
  if (["5", "6", "7", "8"].includes(String(exif.orientation))) [w, h] = [h, w];
  return { w, h };
}

/// The saved edits as the editor's state.
function stateOf(edits) {
  const s = { crop: null, mirrorH: false, mirrorV: false, rotation: 0 };
  for (const e of edits) {
    if (e.action === "crop") s.crop = { ...e.parameters };
    else if (e.action === "rotate") s.rotation = (s.rotation + e.parameters.angle) % 360;
    else if (e.action === "mirror") {
      // A mirror after a quarter turn is the other axis's before it.
      const quarter = s.rotation % 180 === 90;
      const horizontal = (e.parameters.axis === "horizontal") !== quarter;
      if (horizontal) s.mirrorH = !s.mirrorH;
      else s.mirrorV = !s.mirrorV;
    }
  }
  return s;
}

/// The editor's state as the list the server takes (crop first, as it requires).
export function editsOf(s) {
  const edits = [];
  if (s.crop) edits.push({ action: "crop", parameters: s.crop });
  if (s.mirrorH) edits.push({ action: "mirror", parameters: { axis: "horizontal" } });
  if (s.mirrorV) edits.push({ action: "mirror", parameters: { axis: "vertical" } });
  if (s.rotation) edits.push({ action: "rotate", parameters: { angle: s.rotation } });
  return edits;
}

/// Waits (up to half a minute) for the server to have made the thumbnails of the new edits:
/// the asset's thumbhash changes when they are recorded.
async function afterThumbnails(id, before) {
  let asset = await api("GET", `/assets/${id}`);
  for (let i = 0; i < 60 && asset.thumbhash === before; i++) {
    await new Promise((r) => setTimeout(r, 500));
    asset = await api("GET", `/assets/${id}`);
  }
  return asset;
}

/// Opens the editor on `asset`; `onSaved(asset)` gets the asset once its edited thumbnails
/// exist, and the grid's month of it is fetched again (its tile and its shape change).
export async function openEditor(asset, onSaved) {
  const { edits } = await api("GET", `/assets/${asset.id}/edits`);
  const image = new Image();
  image.src = `/api/assets/${asset.id}/thumbnail?size=preview&c=${encodeURIComponent(asset.checksum)}`;
  await image.decode();
  const write = await openModal((close) => html`<${Editor} asset=${asset} image=${image} edits=${edits} close=${close} />`);
  if (!write) return;
  const before = asset.thumbhash;
  toast(STRINGS.saved);
  const updated = await afterThumbnails(asset.id, before);
  onSaved?.(updated);
  const grid = state.grid;
  const section = grid?.sectionOf(updated.id, updated.localDateTime);
  if (section?.load) grid.reload(section);
}

/// The editor's dialog; closes with true once the edits are written (saved or reset).
function Editor({ asset, image, edits, close }) {
  const size = displayedSize(asset, image);
  // Preview pixels per displayed pixel.
  const scale = image.naturalWidth / size.w;
  // The edits are drawn on the canvas, not by Preact: kept in a ref, each change draws again.
  const s = useRef(null);
  if (!s.current) s.current = stateOf(edits);
  const [cropping, setCropping] = useState(false);
  const canvasRef = useRef(null);
  const drag = useRef(null);

  const draw = () => {
    const canvas = canvasRef.current;
    const e = s.current;
    const ctx = canvas.getContext("2d");
    if (cropping) {
      // The whole picture, upright and unturned, with the crop being drawn over it.
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      ctx.drawImage(image, 0, 0);
      const c = e.crop;
      if (c) {
        ctx.fillStyle = "rgba(0, 0, 0, 0.5)";
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        const [x, y, w, h] = [c.x * scale, c.y * scale, c.width * scale, c.height * scale];
        ctx.drawImage(image, x, y, w, h, x, y, w, h);
        ctx.strokeStyle = "#fff";
        ctx.lineWidth = Math.max(2, canvas.width / 400);
        ctx.strokeRect(x, y, w, h);
      }
      return;
    }
    const c = e.crop || { x: 0, y: 0, width: size.w, height: size.h };
    const [sx, sy, sw, sh] = [c.x * scale, c.y * scale, c.width * scale, c.height * scale];
    const quarter = e.rotation % 180 === 90;
    canvas.width = Math.max(1, Math.round(quarter ? sh : sw));
    canvas.height = Math.max(1, Math.round(quarter ? sw : sh));
    // Mirrors first, then the clockwise turn (the server's order).
    ctx.translate(canvas.width / 2, canvas.height / 2);
    ctx.rotate((e.rotation * Math.PI) / 180);
    ctx.scale(e.mirrorH ? -1 : 1, e.mirrorV ? -1 : 1);
    ctx.drawImage(image, sx, sy, sw, sh, -sw / 2, -sh / 2, sw, sh);
  };
  // Drawn before the browser paints: the canvas never shows the other mode's picture.
  useLayoutEffect(draw, [cropping]);

  // Dragging a rectangle (in crop mode), in displayed-picture coordinates.
  const at = (e) => {
    const r = canvasRef.current.getBoundingClientRect();
    const x = ((e.clientX - r.left) / r.width) * size.w;
    const y = ((e.clientY - r.top) / r.height) * size.h;
    return { x: Math.min(size.w, Math.max(0, x)), y: Math.min(size.h, Math.max(0, y)) };
  };
  const down = (e) => {
    if (!cropping) return;
    canvasRef.current.setPointerCapture(e.pointerId);
    drag.current = at(e);
  };
  const move = (e) => {
    const from = drag.current;
    if (!cropping || !from) return;
    const p = at(e);
    const x = Math.floor(Math.min(from.x, p.x));
    const y = Math.floor(Math.min(from.y, p.y));
    const width = Math.max(1, Math.min(size.w - x, Math.round(Math.abs(p.x - from.x))));
    const height = Math.max(1, Math.min(size.h - y, Math.round(Math.abs(p.y - from.y))));
    s.current.crop = { x, y, width, height };
    draw();
  };

  const change = (fn) => () => {
    fn(s.current);
    draw();
  };
  const finish = async (write) => {
    await write();
    close(true);
  };
  const save = guard(STRINGS.cannotSave, () => {
    const list = editsOf(s.current);
    return finish(() => (list.length ? api("PUT", `/assets/${asset.id}/edits`, { edits: list }) : api("DELETE", `/assets/${asset.id}/edits`)));
  });
  const reset = guard(STRINGS.cannotReset, () => finish(() => api("DELETE", `/assets/${asset.id}/edits`)));
  const tool = (label, onClick, pressed) =>
    html`<button type="button" class="quiet" aria-pressed=${pressed === undefined ? undefined : String(pressed)} onClick=${onClick}>${label}</button>`;
  return html`<${Modal} title=${STRINGS.title} class="editor" onClose=${() => close(false)}>
    <div class="editor-tools" role="toolbar" aria-label=${STRINGS.tools}>
      ${tool(STRINGS.rotateLeft, change((e) => (e.rotation = (e.rotation + 270) % 360)))}
      ${tool(STRINGS.rotateRight, change((e) => (e.rotation = (e.rotation + 90) % 360)))}
      ${/* Left and right swap on the picture as it is turned now. */ tool(STRINGS.mirror, change((e) => (e.rotation % 180 === 90 ? (e.mirrorV = !e.mirrorV) : (e.mirrorH = !e.mirrorH))))}
      ${tool(STRINGS.crop, () => setCropping(!cropping), cropping)}
      ${tool(STRINGS.clearCrop, change((e) => (e.crop = null)))}
    </div>
    <div class="editor-stage">
      <canvas ref=${canvasRef} class="editor-canvas" aria-label=${STRINGS.photo} role="img"
        onPointerDown=${down} onPointerMove=${move} onPointerUp=${() => (drag.current = null)} />
    </div>
    <div class="actions">
      <button type="button" class="confirm" onClick=${save}>${STRINGS.save}</button>
      <button type="button" class="quiet" onClick=${reset} disabled=${!asset.isEdited}>${STRINGS.reset}</button>
      <button type="button" class="quiet" onClick=${() => close(false)}>${STRINGS.cancel}</button>
    </div>
  <//>`;
}
