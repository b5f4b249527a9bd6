// Modal dialogs: the frame (title, Close, Escape or a click outside), a confirmation, one line of
// text, and a small form.

import { el } from "/dom.js";

/// A modal dialog with a title, a Close button, and Escape or a click outside to close it.
export function dialog(title, ...content) {
  const close = el("button", { type: "button", class: "quiet dialog-close", "aria-label": "Close", onclick: () => box.close() }, "✕");
  const box = el("dialog", { class: "card dialog" }, el("div", { class: "dialog-head" }, el("h2", {}, title), close), ...content);
  document.body.append(box);
  box.addEventListener("close", () => box.remove());
  // A click on the backdrop lands on the dialog element itself, outside its box.
  box.addEventListener("click", (e) => {
    if (e.target !== box) return;
    const r = box.getBoundingClientRect();
    if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) box.close();
  });
  box.showModal();
  return box;
}

/// Asks before an action: resolves true when the user confirms, false on cancel or Escape.
export function confirmDialog(title, message, confirmLabel) {
  return new Promise((resolve) => {
    let answer = false;
    const box = dialog(title, el("p", {}, message),
      el("div", { class: "actions" },
        el("button", { type: "button", class: "confirm", onclick: () => ((answer = true), box.close()) }, confirmLabel),
        el("button", { type: "button", class: "quiet", onclick: () => box.close() }, "Cancel")));
    box.addEventListener("close", () => resolve(answer));
  });
}

/// Asks for one line of text in a dialog; the text, or null when dismissed.
export function promptDialog(title, label, submitLabel) {
  return new Promise((resolve) => {
    let answer = null;
    const input = el("input", { name: "value", required: true, "aria-label": label, placeholder: label });
    const form = el("form", { method: "dialog", class: "stack" }, input, el("button", { type: "submit" }, submitLabel));
    form.addEventListener("submit", () => (answer = input.value.trim() || null));
    const box = dialog(title, form);
    box.addEventListener("close", () => resolve(answer));
    input.focus();
  });
}

/// A small form in a dialog: `onSubmit(values)` closes it when it succeeds, else its error
/// shows in the dialog.
export function formDialog(title, fields, submitLabel, onSubmit, intro = "") {
  const error = el("p", { class: "form-error", role: "alert" });
  const form = el("form", { class: "stack" }, intro ? el("p", { class: "muted" }, intro) : null, ...fields, error,
    el("div", { class: "actions" },
      el("button", { type: "submit" }, submitLabel),
      el("button", { type: "button", class: "quiet", onclick: () => box.close() }, "Cancel")));
  const box = dialog(title, form);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      await onSubmit(Object.fromEntries(new FormData(form)));
      box.close();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  return box;
}
