// Uploads: the file picker's and dropped files, three at a time, in one card per batch with its
// overall progress; into the user's library or a shared link that allows uploads. The cards
// live outside the page (a list in <body>), so a batch keeps its card across pages.

import { useEffect, useRef } from "preact/hooks";
import { html, render, signal } from "/ui.js";
import { state } from "/state.js";
import { route } from "/router.js";
import { toast } from "/components/toast.js";

const STRINGS = {
  upload: "Upload",
  drop: "Drop photos and videos to upload",
  uploading: (total) => `Uploading ${total} ${total === 1 ? "file" : "files"}`,
  uploadingOf: (done, total) => `Uploading: ${done} of ${total}`,
  progress: "Upload progress",
  showFiles: "Show files",
  hideFiles: "Hide files",
  close: "Close",
  waiting: "waiting",
  sending: "uploading",
  uploaded: "uploaded",
  duplicate: "already in your library",
  failed: (status) => `failed (${status})`,
  networkError: "network error",
  created: (n) => `${n} uploaded`,
  alreadyThere: (n) => `${n} already there`,
  failedCount: (n) => `${n} failed`,
};

/// The upload button and its hidden file picker (`#upload-input`); `query` (`?key=...`) uploads
/// into a shared link.
export function UploadButton({ query = "", class: extra }) {
  const picker = useRef(null);
  // The input itself, not the ref: files chosen just as the page is drawn anew (this header
  // unmounted) still go up.
  const chosen = (e) => {
    const input = e.currentTarget;
    upload([...input.files], query).then(() => (input.value = ""));
  };
  return html`<button type="button" id="upload-button" class=${extra} onClick=${() => picker.current.click()}>${STRINGS.upload}</button>
    <input ref=${picker} type="file" multiple accept="image/*,video/*" id="upload-input" hidden onChange=${chosen} />`;
}

/// The page's drop zone: files dropped anywhere on the page are uploaded (with `query`, into a
/// shared link) while it is shown; it shows while files are dragged over. Its `hidden` is set
/// by the drag listeners themselves, at once (not by a later render).
export function DropZone({ query = "", label = STRINGS.drop }) {
  const zone = useRef(null);
  useEffect(() => {
    setUpDrop(zone.current, query);
    return clearDrop;
  }, [query]);
  return html`<div ref=${zone} class="dropzone" hidden>${label}</div>`;
}

function setUpDrop(drop, query = "") {
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
    upload([...(e.dataTransfer?.files || [])], query);
  };
}

/// Pages without uploads take no drops.
export function clearDrop() {
  window.ondragenter = window.ondragleave = window.ondragover = window.ondrop = null;
}

/// Sends one file; `progress(fraction)` follows it. Resolves to [result, status text], the
/// result one of "created", "duplicate", "failed".
function uploadOne(file, query, progress) {
  return new Promise((resolve) => {
    const form = new FormData();
    const modified = new Date(file.lastModified || Date.now()).toISOString();
    form.append("deviceAssetId", `web-${file.name}-${file.size}-${file.lastModified}`);
    form.append("deviceId", "WEB");
    form.append("fileCreatedAt", modified);
    form.append("fileModifiedAt", modified);
    form.append("isFavorite", "false");
    // Uploaded from the locked folder: straight into it, as Immich's web does.
    if (!query && state.scope.view === "/locked") form.append("visibility", "locked");
    form.append("assetData", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.upload.onprogress = (e) => e.lengthComputable && progress(e.loaded / e.total);
    xhr.onload = () => {
      let body = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {}
      progress(1);
      if (xhr.status === 201) resolve(["created", STRINGS.uploaded]);
      else if (xhr.status === 200 && body.status === "duplicate") resolve(["duplicate", STRINGS.duplicate]);
      else resolve(["failed", body.message || STRINGS.failed(xhr.status)]);
    };
    xhr.onerror = () => resolve(["failed", STRINGS.networkError]);
    xhr.open("POST", `/api/assets${query}`);
    xhr.send(form);
  });
}

// The batches under way or kept (their cards), drawn by `Uploads` into the list in <body>.
const batches = signal([]);
let list = null;
let made = 0;

function Uploads() {
  return batches.value.map((b) => html`<${UploadCard} key=${b.id} batch=${b} />`);
}

/// A batch's card: the summary, the overall progress, its files (folded when long).
function UploadCard({ batch }) {
  const files = batch.files.value;
  const folded = batch.folded.value;
  const overall = files.reduce((sum, f) => sum + f.progress, 0) / files.length;
  const close = () => (batches.value = batches.value.filter((b) => b !== batch));
  return html`<li class=${batch.failures.value ? "upload-card has-failures" : "upload-card"}>
    <div class="upload-head">
      <span class="upload-summary">${batch.summary.value}</span>
      <button type="button" class="quiet upload-toggle" aria-expanded=${String(!folded)} onClick=${() => (batch.folded.value = !folded)}>
        ${folded ? STRINGS.showFiles : STRINGS.hideFiles}
      </button>
      ${batch.failures.value && html`<button type="button" class="quiet" aria-label=${STRINGS.close} onClick=${close}>✕</button>`}
    </div>
    <progress max="1" value=${overall} aria-label=${STRINGS.progress} />
    <ul class="upload-files" hidden=${folded}>
      ${files.map((f) => html`<li key=${f.index} class=${f.result === "created" ? "upload done" : f.result ? `upload ${f.result}` : "upload"}>
        <span class="name">${f.name}</span><progress max="1" value=${f.progress} /><span class="status">${f.status}</span>
      </li>`)}
    </ul>
  </li>`;
}

/// Uploads `files`, as the signed-in user or, with `query` (`?key=...`), into a shared link that
/// allows uploads; then draws the page again.
export async function upload(files, query = "") {
  if (!files.length) return;
  if (!list) {
    list = document.createElement("ul");
    list.className = "uploads";
    list.id = "uploads";
    document.body.append(list);
    render(html`<${Uploads} />`, list);
  }
  // One card per batch: overall progress and a summary; the files' list folds away when long.
  const total = files.length;
  const batch = {
    id: ++made,
    files: signal(files.map((file, index) => ({ index, name: file.name, progress: 0, status: STRINGS.waiting, result: null }))),
    summary: signal(STRINGS.uploading(total)),
    folded: signal(total > 3),
    failures: signal(false),
  };
  batches.value = [...batches.value, batch];
  const change = (index, fields) => (batch.files.value = batch.files.value.map((f) => (f.index === index ? { ...f, ...fields } : f)));
  const results = { created: 0, duplicate: 0, failed: 0 };
  const queue = files.map((file, index) => ({ file, index }));
  // Three at a time, like the Immich web client.
  let done = 0;
  const workers = Array.from({ length: 3 }, async () => {
    while (queue.length) {
      const { file, index } = queue.shift();
      change(index, { status: STRINGS.sending });
      const [result, status] = await uploadOne(file, query, (progress) => change(index, { progress }));
      change(index, { result, status });
      results[result]++;
      batch.summary.value = STRINGS.uploadingOf(++done, total);
    }
  });
  await Promise.all(workers);
  const parts = [STRINGS.created(results.created)];
  if (results.duplicate) parts.push(STRINGS.alreadyThere(results.duplicate));
  if (results.failed) parts.push(STRINGS.failedCount(results.failed));
  batch.summary.value = parts.join(", ");
  // Red only when nothing went in; a batch with some failures warns, and keeps its card (the
  // failed files listed) until closed.
  const kind = !results.failed ? "info" : results.created + results.duplicate ? "warning" : "error";
  toast(parts.join(", "), kind);
  if (results.failed) {
    batch.folded.value = false;
    batch.failures.value = true;
  } else {
    setTimeout(() => (batches.value = batches.value.filter((b) => b !== batch)), 4000);
  }
  // Thumbnails are made in the background; the grid shows placeholders until they exist, and the
  // live events redraw their months when they do. Draw the page again for the new photos, unless
  // the viewer is open by then (drawing again would open it anew under the user).
  if (results.created) setTimeout(() => document.querySelector(".viewer") || route(), 1500);
}
