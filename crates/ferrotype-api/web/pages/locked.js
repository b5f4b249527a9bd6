// The locked folder (Immich's /locked) behind its PIN code: set one, unlock, change or reset it.

import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { route } from "/router.js";
import { toast } from "/components/toast.js";
import { formDialog } from "/components/dialog.js";
import { Header } from "/components/header.js";
import { openViewer } from "/components/viewer.js";
import { timelinePage } from "/pages/timeline.js";

export const STRINGS = {
  cannotOpen: (message) => `Cannot open the locked folder: ${message}`,
  sixDigits: "Six digits",
  setUpTitle: "Set up a PIN code",
  setUpIntro: "This is your first time accessing the locked folder. Create a PIN code to securely access this page.",
  newPin: "New PIN code",
  confirmPin: "Confirm new PIN code",
  create: "Create PIN code",
  differ: "The two PIN codes differ",
  created: "Successfully setup a PIN code",
  promptTitle: "Enter your PIN code",
  promptIntro: "Enter your PIN code to access the locked folder",
  pin: "PIN code",
  unlock: "Unlock",
  forgot: "Forgot your PIN code?",
  changeTitle: "Change PIN code",
  currentPin: "Current PIN code",
  orPassword: "or your password",
  save: "Save",
  newDiffer: "The two new PIN codes differ",
  needProof: "Give the current PIN code or your password",
  changed: "Successfully changed PIN code",
  resetTitle: "Reset PIN code",
  password: "Password",
  resetIntro: "You can always reset your PIN code with your password.",
  reset: "Successfully reset PIN code",
};

/// The locked folder (Immich's /locked): its photos are shown only to a session unlocked with
/// the PIN code. Without a code yet the user sets one; without the unlock, the PIN prompt; then
/// the timeline of locked assets (`/locked/photos/<id>` opens one in the viewer).
export async function lockedPage(path = "/locked") {
  let status;
  try {
    status = await api("GET", "/auth/status");
  } catch (err) {
    toast(STRINGS.cannotOpen(err.message), "error");
    return;
  }
  if (!status.pinCode) return showPage(html`<${Header} /><${PinSetup} />`);
  if (!status.isElevated) return showPage(html`<${Header} /><${PinPrompt} />`);
  await timelinePage("/locked");
  if (path.startsWith("/locked/photos/")) return openViewer(path.slice("/locked/photos/".length));
}

/// A six-digit code field: digits only, the phone's number pad, never filled in by the browser.
export function PinInput({ name, label, required = true }) {
  return html`<label>${label}<input name=${name} type="password" inputmode="numeric" pattern="\\d{6}" minlength="6" maxlength="6"
    autocomplete="off" required=${required} class="pin" title=${STRINGS.sixDigits} /></label>`;
}

/// A form in a card under the top bar (the pages of the locked folder before it opens): its
/// first field focused, the server's refusal under the fields (that field selected again).
function CardPage({ title, intro, submitLabel, onSubmit, children, extra }) {
  const [error, setError] = useState("");
  const form = useRef(null);
  useEffect(() => form.current.querySelector("input")?.focus(), []);
  const submit = async (e) => {
    e.preventDefault();
    setError("");
    try {
      await onSubmit(Object.fromEntries(new FormData(form.current)));
    } catch (err) {
      setError(err.message);
      form.current.querySelector("input")?.select();
    }
  };
  return html`<main class="page centered-card">
    <form ref=${form} class="card" onSubmit=${submit}>
      <h1>${title}</h1>
      <p class="muted">${intro}</p>
      ${children}
      <p class="form-error" role="alert">${error}</p>
      <button type="submit">${submitLabel}</button>
      ${extra}
    </form>
  </main>`;
}

function PinSetup() {
  const create = async (v) => {
    if (v.pinCode !== v.confirm) throw new Error(STRINGS.differ);
    await api("POST", "/auth/pin-code", { pinCode: v.pinCode });
    toast(STRINGS.created);
    route();
  };
  return html`<${CardPage} title=${STRINGS.setUpTitle} intro=${STRINGS.setUpIntro} submitLabel=${STRINGS.create} onSubmit=${create}>
    <${PinInput} name="pinCode" label=${STRINGS.newPin} />
    <${PinInput} name="confirm" label=${STRINGS.confirmPin} />
  <//>`;
}

function PinPrompt() {
  // A wrong code: the server's message (Immich's "Wrong PIN code") shows under the field.
  const unlock = async (v) => {
    await api("POST", "/auth/session/unlock", { pinCode: v.pinCode });
    route();
  };
  const forgot = html`<button type="button" class="quiet" onClick=${resetPinDialog}>${STRINGS.forgot}</button>`;
  return html`<${CardPage} title=${STRINGS.promptTitle} intro=${STRINGS.promptIntro} submitLabel=${STRINGS.unlock} onSubmit=${unlock} extra=${forgot}>
    <${PinInput} name="pinCode" label=${STRINGS.pin} />
  <//>`;
}

/// Changing the code needs the current code or the account's password (either is enough).
export function changePinDialog() {
  const fields = html`
    <${PinInput} name="pinCode" label=${STRINGS.currentPin} required=${false} />
    <label>${STRINGS.orPassword}<input name="password" type="password" autocomplete="current-password" /></label>
    <${PinInput} name="newPinCode" label=${STRINGS.newPin} />
    <${PinInput} name="confirm" label=${STRINGS.confirmPin} />`;
  return formDialog(STRINGS.changeTitle, fields, STRINGS.save, async (v) => {
    if (v.newPinCode !== v.confirm) throw new Error(STRINGS.newDiffer);
    if (!v.pinCode && !v.password) throw new Error(STRINGS.needProof);
    const proof = v.password ? { password: v.password } : { pinCode: v.pinCode };
    await api("PUT", "/auth/pin-code", { ...proof, newPinCode: v.newPinCode });
    toast(STRINGS.changed);
  });
}

/// A forgotten code is removed with the password; every session is locked, and the next visit
/// sets a new code.
export function resetPinDialog() {
  const fields = html`<label>${STRINGS.password}<input name="password" type="password" required autocomplete="current-password" /></label>`;
  return formDialog(
    STRINGS.resetTitle,
    fields,
    STRINGS.resetTitle,
    async (v) => {
      await api("DELETE", "/auth/pin-code", { password: v.password });
      toast(STRINGS.reset);
      route();
    },
    STRINGS.resetIntro,
  );
}
