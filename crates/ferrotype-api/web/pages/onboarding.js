// The welcome after the first sign-in (Immich's onboarding): a few steps (the theme; for the admin
// of a server not yet set up, the storage template on or off), then the timeline. "Done" records
// it on the server (`PUT /users/me/onboarding`, and for the admin `POST
// /system-metadata/admin-onboarding`), so it is not shown again.

import { html, showPage } from "/ui.js";
import { useEffect, useState } from "preact/hooks";
import { api } from "/api.js";
import { ThemeRadios } from "/pages/account.js";

export const STRINGS = {
  hello: (name) => `Welcome, ${name}`,
  helloText: "Let's set up a few things before you see your photos.",
  theme: "Theme",
  themeText: "Choose how Ferrotype looks. You can change it later in the account settings.",
  storage: "Storage template",
  storageText:
    "With the storage template, uploaded files are stored in folders by date (year/month/day) instead of by upload. You can change the template in the server settings.",
  storageOn: "Store files by the storage template",
  done: "Done",
  doneText: "You are all set. Your photos are next.",
  next: "Next",
  back: "Back",
  start: "Go to the photos",
  step: (n, of) => `Step ${n} of ${of}`,
};

/// Where a sign-in leads (its LoginResponseDto), as in Immich's web: a user who is not an admin
/// first changes a password an admin gave, then the welcome the first time, else the photos.
export function afterSignIn(login) {
  if (!login.isAdmin && login.shouldChangePassword) return "/change-password";
  return login.isOnboarded ? "/photos" : "/onboarding";
}

/// The welcome for `user`; `navigate` leaves it for the photos. Already done: the photos.
export async function showOnboarding(user, navigate) {
  const [mine, server] = await Promise.all([
    api("GET", "/users/me/onboarding"),
    user.isAdmin ? api("GET", "/system-metadata/admin-onboarding") : { isOnboarded: true },
  ]);
  if (mine.isOnboarded && server.isOnboarded) return navigate("/photos");
  showPage(html`<main class="centered onboarding"><${Onboarding} user=${user} serverSetUp=${!user.isAdmin || server.isOnboarded} navigate=${navigate} /></main>`);
}

function Onboarding({ user, serverSetUp, navigate }) {
  const steps = ["hello", "theme", ...(serverSetUp ? [] : ["storage"]), "done"];
  const [index, setIndex] = useState(0);
  const [error, setError] = useState("");
  const step = steps[index];
  const finish = async () => {
    setError("");
    try {
      if (!serverSetUp) await api("POST", "/system-metadata/admin-onboarding", { isOnboarded: true });
      await api("PUT", "/users/me/onboarding", { isOnboarded: true });
      navigate("/photos");
    } catch (err) {
      setError(err.message);
    }
  };
  const last = index === steps.length - 1;
  return html`<section class="card onboarding-card" aria-labelledby="onboarding-title" data-step=${step}>
    <p class="muted">${STRINGS.step(index + 1, steps.length)}</p>
    ${step === "hello" && html`<h1 id="onboarding-title">${STRINGS.hello(user.name)}</h1><p>${STRINGS.helloText}</p>`}
    ${step === "theme" && html`<h1 id="onboarding-title">${STRINGS.theme}</h1><p>${STRINGS.themeText}</p><${ThemeRadios} />`}
    ${step === "storage" && html`<h1 id="onboarding-title">${STRINGS.storage}</h1><p>${STRINGS.storageText}</p><${StorageTemplate} onError=${setError} />`}
    ${step === "done" && html`<h1 id="onboarding-title">${STRINGS.done}</h1><p>${STRINGS.doneText}</p>`}
    <p class="form-error" role="alert">${error}</p>
    <div class="actions">
      ${index > 0 && html`<button type="button" class="quiet" onClick=${() => setIndex(index - 1)}>${STRINGS.back}</button>`}
      ${last
        ? html`<button type="button" onClick=${finish}>${STRINGS.start}</button>`
        : html`<button type="button" onClick=${() => setIndex(index + 1)}>${STRINGS.next}</button>`}
    </div>
  </section>`;
}

/// The storage template on or off, saved at once (the whole config goes back, as the settings page does).
function StorageTemplate({ onError }) {
  const [config, setConfig] = useState(null);
  useEffect(() => {
    api("GET", "/system-config").then(setConfig, (e) => onError(e.message));
  }, []);
  if (!config) return null;
  const toggle = async (e) => {
    const next = { ...config, storageTemplate: { ...config.storageTemplate, enabled: e.currentTarget.checked } };
    try {
      setConfig(await api("PUT", "/system-config", next));
      onError("");
    } catch (err) {
      onError(err.message);
    }
  };
  return html`<label class="check-line"><input type="checkbox" name="storageTemplate" checked=${config.storageTemplate.enabled} onChange=${toggle} />${STRINGS.storageOn}</label>`;
}
