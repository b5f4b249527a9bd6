// Toasts: short messages in the top layer (a manual popover), above open dialogs. The messages
// are a signal drawn by `Toasts` into the popover.

import { html, render, signal } from "/ui.js";

const shown = signal([]);
let drawn = false;
let made = 0;

function Toasts() {
  return shown.value.map(
    (t) => html`<div key=${t.id} class=${`toast ${t.kind}`} role=${t.kind === "error" ? "alert" : "status"}>${t.message}</div>`,
  );
}

export function toast(message, kind = "info") {
  const area = document.getElementById("toasts");
  if (!drawn) {
    render(html`<${Toasts} />`, area);
    drawn = true;
  }
  const t = { id: ++made, message, kind };
  shown.value = [...shown.value, t];
  // The area is a popover: shown again, it is the newest of the top layer, above open dialogs.
  if (area.matches(":popover-open")) area.hidePopover();
  area.showPopover();
  setTimeout(() => {
    shown.value = shown.value.filter((x) => x !== t);
    if (!shown.value.length && area.matches(":popover-open")) area.hidePopover();
  }, 5000);
}

/// An event handler that reports its failure: a toast saying what could not be done, and why.
export function guard(what, fn) {
  return (...args) => Promise.resolve().then(() => fn(...args)).catch((err) => toast(`${what}: ${err.message}`, "error"));
}
