// The locked folder (Immich's /locked) behind its PIN code: set one, unlock, change or reset it.

import { api } from "/api.js";
import { el } from "/dom.js";
import { app } from "/state.js";
import { route } from "/router.js";
import { toast } from "/components/toast.js";
import { formDialog } from "/components/dialog.js";
import { header } from "/components/header.js";
import { openViewer } from "/components/viewer.js";
import { timelinePage } from "/pages/timeline.js";

/// The locked folder (Immich's /locked): its photos are shown only to a session unlocked with
/// the PIN code. Without a code yet the user sets one; without the unlock, the PIN prompt; then
/// the timeline of locked assets (`/locked/photos/<id>` opens one in the viewer).
export async function lockedPage(path = "/locked") {
  let status;
  try {
    status = await api("GET", "/auth/status");
  } catch (err) {
    toast(`Cannot open the locked folder: ${err.message}`, "error");
    return;
  }
  if (!status.pinCode) return pinSetupPage();
  if (!status.isElevated) return pinPromptPage();
  await timelinePage("/locked");
  if (path.startsWith("/locked/photos/")) return openViewer(path.slice("/locked/photos/".length));
}

/// A six-digit code field: digits only, the phone's number pad, never filled in by the browser.
export function pinInput(name, label, required = true) {
  return el("label", {}, label, el("input", {
    name, type: "password", inputmode: "numeric", pattern: "\\d{6}", minlength: 6, maxlength: 6,
    autocomplete: "off", required, class: "pin", title: "Six digits",
  }));
}

/// A form in a card under the top bar (the pages of the locked folder before it opens).
export function cardPage(title, intro, fields, submitLabel, onSubmit, ...extra) {
  const error = el("p", { class: "form-error", role: "alert" });
  const form = el("form", { class: "card" }, el("h1", {}, title), el("p", { class: "muted" }, intro), ...fields, error,
    el("button", { type: "submit" }, submitLabel), ...extra);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      await onSubmit(Object.fromEntries(new FormData(form)));
    } catch (err) {
      error.textContent = err.message;
      form.querySelector("input")?.select();
    }
  });
  app.replaceChildren(header(), el("main", { class: "page centered-card" }, form));
  form.querySelector("input")?.focus();
}

export function pinSetupPage() {
  cardPage(
    "Set up a PIN code",
    "This is your first time accessing the locked folder. Create a PIN code to securely access this page.",
    [pinInput("pinCode", "New PIN code"), pinInput("confirm", "Confirm new PIN code")],
    "Create PIN code",
    async (v) => {
      if (v.pinCode !== v.confirm) throw new Error("The two PIN codes differ");
      await api("POST", "/auth/pin-code", { pinCode: v.pinCode });
      toast("Successfully setup a PIN code");
      route();
    },
  );
}

export function pinPromptPage() {
  cardPage(
    "Enter your PIN code",
    "Enter your PIN code to access the locked folder",
    [pinInput("pinCode", "PIN code")],
    "Unlock",
    async (v) => {
      // A wrong code: the server's message (Immich's "Wrong PIN code") shows under the field.
      await api("POST", "/auth/session/unlock", { pinCode: v.pinCode });
      route();
    },
    el("button", { type: "button", class: "quiet", onclick: resetPinDialog }, "Forgot your PIN code?"),
  );
}

/// Changing the code needs the current code or the account's password (either is enough).
export function changePinDialog() {
  formDialog(
    "Change PIN code",
    [
      pinInput("pinCode", "Current PIN code", false),
      el("label", {}, "or your password", el("input", { name: "password", type: "password", autocomplete: "current-password" })),
      pinInput("newPinCode", "New PIN code"),
      pinInput("confirm", "Confirm new PIN code"),
    ],
    "Save",
    async (v) => {
      if (v.newPinCode !== v.confirm) throw new Error("The two new PIN codes differ");
      if (!v.pinCode && !v.password) throw new Error("Give the current PIN code or your password");
      const proof = v.password ? { password: v.password } : { pinCode: v.pinCode };
      await api("PUT", "/auth/pin-code", { ...proof, newPinCode: v.newPinCode });
      toast("Successfully changed PIN code");
    },
  );
}

/// A forgotten code is removed with the password; every session is locked, and the next visit
/// sets a new code.
export function resetPinDialog() {
  formDialog(
    "Reset PIN code",
    [el("label", {}, "Password", el("input", { name: "password", type: "password", required: true, autocomplete: "current-password" }))],
    "Reset PIN code",
    async (v) => {
      await api("DELETE", "/auth/pin-code", { password: v.password });
      toast("Successfully reset PIN code");
      route();
    },
    "You can always reset your PIN code with your password.",
  );
}
