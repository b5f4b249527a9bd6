// The new password asked for at the first sign-in with a password an admin gave (a new account or
// a reset one: `shouldChangePassword`), as Immich's web asks it of users who are not admins. Set
// with `PUT /users/me`, which also clears the flag; then on to the welcome (or the photos).

import { html, showPage } from "/ui.js";
import { useState } from "preact/hooks";
import { api } from "/api.js";

export const STRINGS = {
  title: "Change password",
  hello: (name, email) => `Hi ${name} (${email}),`,
  why: "this is either the first time you are signing into the system or a request has been made to change your password. Please enter the new password below.",
  newPassword: "New password",
  confirm: "Confirm the password",
  differ: "The passwords do not match",
  submit: "Change password",
};

/// The page for `user`; `navigate` goes on once the password is changed.
export function showChangePassword(user, navigate) {
  showPage(html`<main class="centered onboarding"><${ChangePassword} user=${user} navigate=${navigate} /></main>`);
}

function ChangePassword({ user, navigate }) {
  const [error, setError] = useState("");
  const submit = async (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(e.currentTarget));
    if (v.password !== v.confirm) return setError(STRINGS.differ);
    try {
      await api("PUT", "/users/me", { password: v.password });
      // The welcome's own page leads to the photos when it has been done.
      navigate("/onboarding");
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<form class="card onboarding-card" onSubmit=${submit}>
    <h1>${STRINGS.title}</h1>
    <p class="login-message">${STRINGS.hello(user.name, user.email)} ${STRINGS.why}</p>
    <label>${STRINGS.newPassword}<input name="password" type="password" required minlength="8" autocomplete="new-password" /></label>
    <label>${STRINGS.confirm}<input name="confirm" type="password" required autocomplete="new-password" /></label>
    <p class="form-error" role="alert">${error}</p>
    <button type="submit">${STRINGS.submit}</button>
  </form>`;
}
