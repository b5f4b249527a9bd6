// Uploads: the file picker's and dropped files, three at a time, in one card per batch with its
// overall progress; into the user's library or a shared link that allows uploads.

import { el } from "/dom.js";
import { state } from "/state.js";
import { route } from "/router.js";
import { toast } from "/components/toast.js";

/// Files dropped anywhere on the page are uploaded (with `query`, into a shared link).
export function setUpDrop(drop, query = "") {
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

export function uploadOne(file, row, query) {
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
    const bar = row.querySelector("progress");
    const status = row.querySelector(".status");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) bar.value = e.loaded / e.total;
      row.dispatchEvent(new Event("progress-changed", { bubbles: true }));
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
      row.dispatchEvent(new Event("progress-changed", { bubbles: true }));
    };
    xhr.onerror = () => {
      status.textContent = "network error";
      row.classList.add("failed");
      resolve("failed");
    };
    xhr.open("POST", `/api/assets${query}`);
    xhr.send(form);
  });
}

/// Uploads `files`, as the signed-in user or, with `query` (`?key=...`), into a shared link that
/// allows uploads; then draws the page again.
export async function upload(files, query = "") {
  if (!files.length) return;
  let panel = document.getElementById("uploads");
  if (!panel) {
    // Pages other than the timeline have no upload panel of their own.
    panel = el("ul", { class: "uploads", id: "uploads" });
    document.body.append(panel);
  }
  // One card per batch: overall progress and a summary; the files' list folds away when long.
  const total = files.length;
  const summary = el("span", { class: "upload-summary" }, `Uploading ${total} ${total === 1 ? "file" : "files"}`);
  const overall = el("progress", { max: 1, value: 0, "aria-label": "Upload progress" });
  const list = el("ul", { class: "upload-files" });
  const toggle = el("button", { type: "button", class: "quiet upload-toggle" });
  const fold = (hidden) => {
    list.hidden = hidden;
    toggle.textContent = hidden ? "Show files" : "Hide files";
    toggle.setAttribute("aria-expanded", String(!hidden));
  };
  toggle.addEventListener("click", () => fold(!list.hidden));
  fold(total > 3);
  const card = el("li", { class: "upload-card" }, el("div", { class: "upload-head" }, summary, toggle), overall, list);
  panel.append(card);
  const results = { created: 0, duplicate: 0, failed: 0 };
  const queue = files.map((file) => {
    const row = el("li", { class: "upload" }, el("span", { class: "name" }, file.name), el("progress", { max: 1, value: 0 }), el("span", { class: "status" }, "waiting"));
    list.append(row);
    return { file, row };
  });
  const rows = queue.map((q) => q.row.querySelector("progress"));
  list.addEventListener("progress-changed", () => {
    overall.value = rows.reduce((sum, bar) => sum + bar.value, 0) / total;
  });
  // Three at a time, like the Immich web client.
  let done = 0;
  const workers = Array.from({ length: 3 }, async () => {
    while (queue.length) {
      const { file, row } = queue.shift();
      row.querySelector(".status").textContent = "uploading";
      results[await uploadOne(file, row, query)]++;
      summary.textContent = `Uploading: ${++done} of ${total}`;
    }
  });
  await Promise.all(workers);
  const parts = [`${results.created} uploaded`];
  if (results.duplicate) parts.push(`${results.duplicate} already there`);
  if (results.failed) parts.push(`${results.failed} failed`);
  summary.textContent = parts.join(", ");
  // Red only when nothing went in; a batch with some failures warns, and keeps its card (the
  // failed files listed) until closed.
  const kind = !results.failed ? "info" : results.created + results.duplicate ? "warning" : "error";
  toast(parts.join(", "), kind);
  if (results.failed) {
    fold(false);
    card.classList.add("has-failures");
    card.querySelector(".upload-head").append(el("button", { type: "button", class: "quiet", "aria-label": "Close", onclick: () => card.remove() }, "✕"));
  } else {
    setTimeout(() => card.remove(), 4000);
  }
  // Thumbnails are made in the background; the grid shows placeholders until they exist, and the
  // live events redraw their months when they do. Draw the page again for the new photos, unless
  // the viewer is open by then (drawing again would open it anew under the user).
  if (results.created) setTimeout(() => document.querySelector(".viewer") || route(), 1500);
}
