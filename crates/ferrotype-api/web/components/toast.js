// Toasts: short messages in the top layer (a manual popover), above open dialogs.

import { el } from "/dom.js";

export function toast(message, kind = "info") {
  const t = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  const area = document.getElementById("toasts");
  area.append(t);
  // The area is a popover: shown again, it is the newest of the top layer, above open dialogs.
  if (area.matches(":popover-open")) area.hidePopover();
  area.showPopover();
  setTimeout(() => {
    t.remove();
    if (!area.children.length && area.matches(":popover-open")) area.hidePopover();
  }, 5000);
}

/// An event handler that reports its failure: a toast saying what could not be done, and why.
export function guard(what, fn) {
  return (...args) => Promise.resolve().then(() => fn(...args)).catch((err) => toast(`${what}: ${err.message}`, "error"));
}
