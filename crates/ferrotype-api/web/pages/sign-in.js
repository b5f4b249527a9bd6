// The pages before the app: the first run's admin sign-up and the sign-in form.

import { api } from "/api.js";
import { el } from "/dom.js";
import { app } from "/state.js";
import { navigate } from "/router.js";
import { toast } from "/components/toast.js";
import { afterSignIn } from "/pages/onboarding.js";

export function formPage(title, fields, submitLabel, onSubmit, message = "") {
  const error = el("p", { class: "form-error", role: "alert" });
  const form = el(
    "form",
    { class: "card" },
    el("h1", {}, title),
    message ? el("p", { class: "login-message" }, message) : null,
    ...fields.map(([name, label, type, extra = {}]) =>
      el("label", {}, label, el("input", { name, type, required: true, autocomplete: type === "password" ? "current-password" : name, ...extra })),
    ),
    error,
    el("button", { type: "submit" }, submitLabel),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const values = Object.fromEntries(new FormData(form));
    try {
      await onSubmit(values);
    } catch (err) {
      error.textContent = err.message;
    }
  });
  app.replaceChildren(el("main", { class: "centered" }, form));
}

export function signUpPage() {
  formPage(
    "Welcome to Ferrotype",
    [
      ["name", "Name", "text"],
      ["email", "Email", "email"],
      ["password", "Password (at least 8 characters)", "password", { autocomplete: "new-password", minlength: 8 }],
      ["confirm", "Confirm the password", "password", { autocomplete: "new-password" }],
    ],
    "Create the admin account",
    async ({ confirm, ...v }) => {
      if (v.password !== confirm) throw new Error("The passwords do not match");
      await api("POST", "/auth/admin-sign-up", v);
      const login = await api("POST", "/auth/login", { email: v.email, password: v.password });
      toast("Admin account created");
      navigate(afterSignIn(login));
    },
  );
}

/// The sign-in form, with the admin's message for this page (system config) above it.
export function loginPage(config = {}) {
  formPage(
    "Sign in to Ferrotype",
    [["email", "Email", "email"], ["password", "Password", "password"]],
    "Sign in",
    async (v) => {
      navigate(afterSignIn(await api("POST", "/auth/login", v)));
    },
    config.loginPageMessage || "",
  );
}
