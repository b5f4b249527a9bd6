// Dialogs asked from code (an action's confirmation, one line of text, a small form), each the
// one dialog component (modal.js's `Modal`, `Confirm`) shown by `openModal`; each resolves with
// the answer once closed.

import { html } from "/ui.js";
import { useState } from "preact/hooks";
import { Modal, Confirm, openModal } from "/components/modal.js";

const STRINGS = { cancel: "Cancel" };

/// Asks before an action: resolves true when the user confirms, false on Cancel, Close, Escape
/// or a click outside.
export function confirmDialog(title, message, confirmLabel) {
  return openModal((close) => html`<${Confirm} title=${title} message=${message} confirmLabel=${confirmLabel}
    onConfirm=${() => close(true)} onClose=${() => close(false)} />`);
}

/// Asks for one line of text in a dialog; the text, or null when dismissed.
export function promptDialog(title, label, submitLabel) {
  return openModal((close) => html`<${Prompt} title=${title} label=${label} submitLabel=${submitLabel} close=${close} />`);
}

function Prompt({ title, label, submitLabel, close }) {
  const submit = (e) => {
    e.preventDefault();
    close(new FormData(e.currentTarget).get("value").trim() || null);
  };
  return html`<${Modal} title=${title} onClose=${() => close(null)}>
    <form class="stack" onSubmit=${submit}>
      <input name="value" required aria-label=${label} placeholder=${label} autofocus />
      <button type="submit">${submitLabel}</button>
    </form>
  <//>`;
}

/// A small form in a dialog (`fields`: its inputs, as a template): `onSubmit(values)` closes it
/// when it succeeds, else its error shows in the dialog. Resolves true when submitted.
export function formDialog(title, fields, submitLabel, onSubmit, intro = "") {
  return openModal((close) => html`<${FormDialog} title=${title} fields=${fields} submitLabel=${submitLabel}
    onSubmit=${onSubmit} intro=${intro} close=${close} />`);
}

function FormDialog({ title, fields, submitLabel, onSubmit, intro, close }) {
  const [error, setError] = useState("");
  const submit = async (e) => {
    e.preventDefault();
    setError("");
    try {
      await onSubmit(Object.fromEntries(new FormData(e.currentTarget)));
      close(true);
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<${Modal} title=${title} onClose=${() => close(false)}>
    <form class="stack" onSubmit=${submit}>
      ${intro ? html`<p class="muted">${intro}</p>` : null}
      ${fields}
      <p class="form-error" role="alert">${error}</p>
      <div class="actions">
        <button type="submit">${submitLabel}</button>
        <button type="button" class="quiet" onClick=${() => close(false)}>${STRINGS.cancel}</button>
      </div>
    </form>
  <//>`;
}
