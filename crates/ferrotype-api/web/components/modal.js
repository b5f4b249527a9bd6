// A modal dialog as a Preact component: the browser's <dialog> shown modal (focus kept inside,
// Escape closes), with a Close button and closing on a click outside, as the app's other dialogs.

import { html } from "/ui.js";
import { useEffect, useRef } from "preact/hooks";

const STRINGS = { close: "Close", cancel: "Cancel" };

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

/// Copies `text`; says whether it could.
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
