// The pages before the app: the first run's admin sign-up and the sign-in form.

import { useState } from "preact/hooks";
import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { navigate } from "/router.js";
import { toast } from "/components/toast.js";
import { afterSignIn } from "/pages/onboarding.js";

export const STRINGS = {
  welcome: "Welcome to Ferrotype",
  name: "Name",
  email: "Email",
  newPassword: "Password (at least 8 characters)",
  confirm: "Confirm the password",
  createAdmin: "Create the admin account",
  differ: "The passwords do not match",
  adminCreated: "Admin account created",
  signInTitle: "Sign in to Ferrotype",
  password: "Password",
  signIn: "Sign in",
};

/// A page of one form in a card: `fields` are [name, label, type, more attributes];
/// `onSubmit(values)` throws to show its error under the fields.
export function FormPage({ title, fields, submitLabel, onSubmit, message = "" }) {
  const [error, setError] = useState("");
  const submit = async (e) => {
    e.preventDefault();
    setError("");
    try {
      await onSubmit(Object.fromEntries(new FormData(e.currentTarget)));
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<main class="centered">
    <form class="card" onSubmit=${submit}>
      <h1>${title}</h1>
      ${message && html`<p class="login-message">${message}</p>`}
      ${fields.map(([name, label, type, extra = {}]) => html`<label key=${name}>${label}<input name=${name} type=${type} required
        autocomplete=${type === "password" ? "current-password" : name} ...${extra} /></label>`)}
      <p class="form-error" role="alert">${error}</p>
      <button type="submit">${submitLabel}</button>
    </form>
  </main>`;
}

export function signUpPage() {
  const fields = [
    ["name", STRINGS.name, "text"],
    ["email", STRINGS.email, "email"],
    ["password", STRINGS.newPassword, "password", { autocomplete: "new-password", minlength: 8 }],
    ["confirm", STRINGS.confirm, "password", { autocomplete: "new-password" }],
  ];
  const signUp = async ({ confirm, ...v }) => {
    if (v.password !== confirm) throw new Error(STRINGS.differ);
    await api("POST", "/auth/admin-sign-up", v);
    const login = await api("POST", "/auth/login", { email: v.email, password: v.password });
    toast(STRINGS.adminCreated);
    navigate(afterSignIn(login));
  };
  showPage(html`<${FormPage} title=${STRINGS.welcome} fields=${fields} submitLabel=${STRINGS.createAdmin} onSubmit=${signUp} />`);
}

/// The sign-in form, with the admin's message for this page (system config) above it.
export function loginPage(config = {}) {
  const fields = [["email", STRINGS.email, "email"], ["password", STRINGS.password, "password"]];
  const signIn = async (v) => navigate(afterSignIn(await api("POST", "/auth/login", v)));
  showPage(html`<${FormPage} title=${STRINGS.signInTitle} fields=${fields} submitLabel=${STRINGS.signIn} onSubmit=${signIn}
    message=${config.loginPageMessage || ""} />`);
}
