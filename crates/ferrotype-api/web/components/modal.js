// The app's one dialog component: the browser's <dialog> shown modal (focus kept inside, Escape
// closes), with a Close button and closing on a click outside. Pages hold theirs in their state;
// `openModal` shows one from code that is not a component (the selection bar, the viewer's
// actions) in a host of its own, and resolves when it closes. Toasts (toast.js) are a popover
// shown again on each message, so they stay above an open dialog.

import { html, render } from "/ui.js";
import { useEffect, useRef, useState } from "preact/hooks";

const STRINGS = {
  close: "Close",
  cancel: "Cancel",
  copy: "Copy",
  copied: "Copied",
  cannotCopy: (what) => `Cannot copy: select the ${what} and copy it`,
  done: "Done",
};

/// `class`: more classes for the dialog (the editor's is wider).
export function Modal({ title, onClose, children, class: extra = "" }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    dialog.showModal();
    return () => dialog.open && dialog.close();
  }, []);
  // A click on the backdrop closes the dialog, when the press began there too: a drag that
  // starts inside (a crop in the editor, selecting a field's text) and ends outside is a click on
  // the dialog, and must not lose what is in it.
  const onBackdrop = (e) => {
    if (e.target !== ref.current) return false;
    const r = ref.current.getBoundingClientRect();
    return !(e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom);
  };
  const pressedOutside = useRef(false);
  const press = (e) => (pressedOutside.current = onBackdrop(e));
  const outside = (e) => {
    if (pressedOutside.current && onBackdrop(e)) onClose();
    pressedOutside.current = false;
  };
  const cancel = (e) => {
    e.preventDefault();
    onClose();
  };
  return html`<dialog ref=${ref} class=${`dialog modal ${extra}`.trim()} aria-label=${title} onCancel=${cancel} onPointerDown=${press} onClick=${outside}>
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
        <button type="submit" class=${danger ? "confirm danger" : "confirm"}>${confirmLabel}</button>
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

/// Shows the dialog `make(close)` returns outside the page (in a host of its own in <body>);
/// `close(value)` removes it and resolves the promise with `value`.
export function openModal(make) {
  return new Promise((resolve) => {
    const host = document.createElement("div");
    document.body.append(host);
    const close = (value) => {
      render(null, host);
      host.remove();
      resolve(value);
    };
    render(make(close), host);
  });
}
