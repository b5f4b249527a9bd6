// A modal dialog as a Preact component: the browser's <dialog> shown modal (focus kept inside,
// Escape closes), with a Close button and closing on a click outside, as the app's other dialogs.

import { html } from "/ui.js";
import { useEffect, useRef, useState } from "preact/hooks";

const STRINGS = {
  close: "Close",
  cancel: "Cancel",
  copy: "Copy",
  copied: "Copied",
  cannotCopy: (what) => `Cannot copy: select the ${what} and copy it`,
  done: "Done",
};

export function Modal({ title, onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    dialog.showModal();
    return () => dialog.open && dialog.close();
  }, []);
  const outside = (e) => {
    if (e.target === ref.current) {
      const r = ref.current.getBoundingClientRect();
      const inside = e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom;
      if (!inside) onClose();
    }
  };
  const cancel = (e) => {
    e.preventDefault();
    onClose();
  };
  return html`<dialog ref=${ref} class="dialog modal" aria-label=${title} onCancel=${cancel} onClick=${outside}>
    <div class="dialog-head">
      <h2>${title}</h2>
      <button type="button" class="quiet dialog-close" aria-label=${STRINGS.close} onClick=${onClose}>✕</button>
    </div>
    ${children}
  </dialog>`;
}

/// A question with a confirming button (styled as dangerous when `danger`) and Cancel.
export function Confirm({ title, message, confirmLabel, danger = false, onConfirm, onClose, children }) {
  return html`<${Modal} title=${title} onClose=${onClose}>
    <form class="stack" onSubmit=${(e) => (e.preventDefault(), onConfirm(new FormData(e.currentTarget)))}>
      <p>${message}</p>
      ${children}
      <div class="actions">
        <button type="button" class="quiet" onClick=${onClose}>${STRINGS.cancel}</button>
        <button type="submit" class=${danger ? "danger" : ""}>${confirmLabel}</button>
      </div>
    </form>
  <//>`;
}

/// A secret shown this once (a new API key, a reset password): `intro`, the value selected on
/// focus, Copy, Done. `what` names it in the message when copying fails.
export function ShownOnce({ title, intro, value, what, onClose }) {
  const [note, setNote] = useState(null);
  const copy = async () => setNote((await copyText(value)) ? { ok: STRINGS.copied } : { error: STRINGS.cannotCopy(what) });
  return html`<${Modal} title=${title} onClose=${onClose}>
    <div class="stack">
      <p>${intro}</p>
      <input class="secret" readonly value=${value} aria-label=${title} onFocus=${(e) => e.currentTarget.select()} />
      ${note
        ? html`<p class=${note.error ? "form-error" : "form-ok"} role=${note.error ? "alert" : "status"}>${note.error || note.ok}</p>`
        : html`<p class="form-error" role="alert"></p>`}
      <div class="actions">
        <button type="button" onClick=${copy}>${STRINGS.copy}</button>
        <button type="button" class="quiet" onClick=${onClose}>${STRINGS.done}</button>
      </div>
    </div>
  <//>`;
}

/// Copies `text`; says whether it could.
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
