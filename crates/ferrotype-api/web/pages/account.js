// The account page (Immich's user settings): profile and picture, password, API keys, sessions,
// partner sharing, the preferences the server honours, and the theme. Each section is its own component, talking
// to the API itself and showing the server's answer beside its form.

import { html, showPage } from "/ui.js";
import { Header } from "/components/header.js";
import { useEffect, useState } from "preact/hooks";
import { api, request } from "/api.js";
import { PERMISSIONS } from "/api-operations.js";
import { Avatar, me } from "/components/avatar.js";
import { Modal, Confirm, ShownOnce } from "/components/modal.js";
import { THEMES, theme, chooseTheme } from "/theme.js";
import { navigate } from "/router.js";

export const STRINGS = {
  title: "Account settings",
  profile: "Profile",
  name: "Name",
  email: "Email",
  save: "Save",
  saved: "Saved",
  picture: "Profile picture",
  uploadPicture: "Upload a picture",
  removePicture: "Remove the picture",
  pictureUpdated: "Profile picture updated",
  pictureRemoved: "Profile picture removed",
  password: "Password",
  currentPassword: "Current password",
  newPassword: "New password",
  confirmPassword: "Confirm the new password",
  logOutOthersToo: "Log out of all other devices",
  changePassword: "Change the password",
  passwordChanged: "Password changed",
  passwordsDiffer: "The passwords do not match",
  apiKeys: "API keys",
  apiKeysIntro: "Keys let programs (the CLI, scripts) use your account without your password.",
  noApiKeys: "No API keys yet",
  newApiKey: "New API key",
  keyName: "Name",
  defaultKeyName: "API Key",
  permissions: "Permissions",
  allPermissions: "All permissions",
  create: "Create",
  created: (date) => `Created ${date}`,
  secretTitle: "API key created",
  secretOnce: "This is the only time the key is shown: copy it now.",
  edit: "Edit",
  editKey: (name) => `Edit ${name}`,
  deleteKey: (name) => `Delete ${name}`,
  deleteKeyTitle: "Delete the API key",
  deleteKeyMessage: (name) => `Programs using "${name}" will no longer have access.`,
  delete: "Delete",
  sessions: "Sessions",
  sessionsIntro: "The devices signed in to your account.",
  unknownDevice: "Unknown device",
  thisDevice: "This device",
  lastUsed: (date) => `Last used ${date}`,
  logOut: "Log out",
  logOutSession: (device) => `Log out ${device}`,
  logOutOthers: "Log out of all other devices",
  logOutOthersMessage: "Every other device signed in to your account will be signed out.",
  preferences: "Preferences",
  archiveSize: "Download archive size (GiB)",
  archiveSizeHelp: "Downloads of many photos are split into zip files of at most this size.",
  emailNotifications: "Email notifications",
  albumInvites: "When I am added to an album",
  partners: "Partner sharing",
  partnersIntro: "Partners see all your photos and videos (not the archive, the trash or the locked folder).",
  noPartners: "You share your library with nobody.",
  addPartner: "Add a partner",
  partnerToAdd: "Share with",
  choosePartner: "Choose a user",
  add: "Add",
  partnerAdded: (name) => `Sharing with ${name}`,
  removePartner: (name) => `Remove ${name}`,
  removePartnerTitle: "Stop sharing",
  removePartnerMessage: (name) => `${name} will no longer see your photos and videos.`,
  remove: "Remove",
  sharingWithYou: "Shared with you",
  noneShareWithYou: "Nobody shares their library with you.",
  showInTimeline: "Show in my timeline",
  showInTimelineOf: (name) => `Show ${name}'s photos in my timeline`,
  viewPhotos: "View photos",
  viewPhotosOf: (name) => `View photos of ${name}`,
  autoStack: "Stack RAW+JPEG pairs and bursts automatically",
  autoStackHelp: "New photos taken in the same second with the same file name (a RAW and its JPEG) or by the same camera (a burst) are shown as one stack, the JPEG first.",
  theme: "Theme",
  themes: { light: "Light", dark: "Dark", system: "System" },
};

const GIB = 1024 ** 3;
const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");

/// The account page of the signed-in user (`me`).
export function showAccount() {
  showPage(html`<${Header} /><main class="page account"><${Account} /></main>`);
}

function Account() {
  return html`<h1>${STRINGS.title}</h1>
    <div class="account-sections">
      <${Profile} />
      <${Password} />
      <${ApiKeys} />
      <${Sessions} />
      <${Partners} />
      <${Preferences} />
      <${ThemeChoice} />
    </div>`;
}

/// A section of the page: a titled card.
function Section({ id, title, intro, children }) {
  return html`<section class="card account-card" aria-labelledby=${id}>
    <h2 id=${id}>${title}</h2>
    ${intro && html`<p class="muted">${intro}</p>`}
    ${children}
  </section>`;
}

/// A form's outcome: the server's message on failure (role alert), a short note on success.
function Outcome({ result }) {
  if (!result) return html`<p class="form-error" role="alert"></p>`;
  return result.error
    ? html`<p class="form-error" role="alert">${result.error}</p>`
    : html`<p class="form-ok" role="status">${result.ok}</p>`;
}

/// Runs `fn`, giving `set` the outcome: `ok` on success, the error's message on failure.
async function attempt(set, ok, fn) {
  set(null);
  try {
    await fn();
    set({ ok });
  } catch (err) {
    set({ error: err.message });
  }
}

function Profile() {
  const user = me.value;
  const [result, setResult] = useState(null);
  const [pictureResult, setPictureResult] = useState(null);
  const save = (e) => {
    e.preventDefault();
    const name = new FormData(e.currentTarget).get("name");
    attempt(setResult, STRINGS.saved, async () => {
      me.value = await api("PUT", "/users/me", { name });
    });
  };
  const upload = (e) => {
    const file = e.currentTarget.files[0];
    e.currentTarget.value = "";
    if (!file) return;
    attempt(setPictureResult, STRINGS.pictureUpdated, async () => {
      const body = new FormData();
      body.append("file", file);
      const r = await request("POST", "/users/profile-image", { body });
      if (!r.ok) throw new Error((await r.json().catch(() => ({}))).message || `${r.status}`);
      me.value = await api("GET", "/users/me");
    });
  };
  const remove = () =>
    attempt(setPictureResult, STRINGS.pictureRemoved, async () => {
      await api("DELETE", "/users/profile-image");
      me.value = await api("GET", "/users/me");
    });
  return html`<${Section} id="profile" title=${STRINGS.profile}>
    <div class="profile-picture" role="group" aria-label=${STRINGS.picture}>
      <${Avatar} user=${user} size=${72} />
      <div class="actions">
        <label class="button file-button">
          ${STRINGS.uploadPicture}
          <input type="file" accept="image/*" class="visually-hidden" onChange=${upload} />
        </label>
        ${user.profileImagePath && html`<button type="button" class="quiet" onClick=${remove}>${STRINGS.removePicture}</button>`}
      </div>
    </div>
    <${Outcome} result=${pictureResult} />
    <form class="stack" onSubmit=${save}>
      <label>${STRINGS.name}<input name="name" required defaultValue=${user.name} autocomplete="name" /></label>
      <label>${STRINGS.email}<input name="email" type="email" value=${user.email} readonly /></label>
      <${Outcome} result=${result} />
      <button type="submit">${STRINGS.save}</button>
    </form>
  <//>`;
}

function Password() {
  const [result, setResult] = useState(null);
  const change = (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    const v = Object.fromEntries(new FormData(form));
    if (v.newPassword !== v.confirm) return setResult({ error: STRINGS.passwordsDiffer });
    attempt(setResult, STRINGS.passwordChanged, async () => {
      await api("POST", "/auth/change-password", {
        password: v.password,
        newPassword: v.newPassword,
        invalidateSessions: v.invalidateSessions === "on",
      });
      form.reset();
    });
  };
  return html`<${Section} id="password" title=${STRINGS.password}>
    <form class="stack" onSubmit=${change}>
      <label>${STRINGS.currentPassword}<input name="password" type="password" required autocomplete="current-password" /></label>
      <label>${STRINGS.newPassword}<input name="newPassword" type="password" required minlength="8" autocomplete="new-password" /></label>
      <label>${STRINGS.confirmPassword}<input name="confirm" type="password" required autocomplete="new-password" /></label>
      <label class="check-line"><input name="invalidateSessions" type="checkbox" />${STRINGS.logOutOthersToo}</label>
      <${Outcome} result=${result} />
      <button type="submit">${STRINGS.changePassword}</button>
    </form>
  <//>`;
}

/// Loads `path` into state; `reload` fetches again. `error` is the message of a failed load.
function useList(path) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const reload = () =>
    api("GET", path)
      .then((v) => (setItems(v), setError(null)))
      .catch((e) => setError(e.message));
  useEffect(() => void reload(), [path]);
  return [items, reload, error];
}

function ApiKeys() {
  const [keys, reload, error] = useList("/api-keys");
  const [dialog, setDialog] = useState(null);
  const [result, setResult] = useState(null);
  const close = () => setDialog(null);
  const act = (ok, fn) => attempt(setResult, ok, async () => (await fn(), close(), reload()));
  const create = () =>
    setDialog(html`<${KeyForm} onClose=${close} onSaved=${(created) => (reload(), setDialog(html`<${Secret} secret=${created.secret} onClose=${close} />`))} />`);
  const edit = (key) => setDialog(html`<${KeyForm} key=${key.id} apiKey=${key} onClose=${close} onSaved=${() => (close(), reload())} />`);
  const remove = (key) =>
    setDialog(html`<${Confirm} title=${STRINGS.deleteKeyTitle} message=${STRINGS.deleteKeyMessage(key.name)} confirmLabel=${STRINGS.delete} danger
      onClose=${close} onConfirm=${() => act(null, () => api("DELETE", `/api-keys/${key.id}`))} />`);
  return html`<${Section} id="api-keys" title=${STRINGS.apiKeys} intro=${STRINGS.apiKeysIntro}>
    ${error && html`<p class="form-error" role="alert">${error}</p>`}
    ${keys && !keys.length && html`<p class="muted">${STRINGS.noApiKeys}</p>`}
    <ul class="rows api-keys">
      ${(keys || []).map(
        (key) => html`<li class="row" key=${key.id} data-key=${key.id}>
          <div class="row-text">
            <strong>${key.name}</strong>
            <span class="muted">${STRINGS.created(when(key.createdAt))} · ${key.permissions.join(", ")}</span>
          </div>
          <button type="button" class="quiet" aria-label=${STRINGS.editKey(key.name)} onClick=${() => edit(key)}>${STRINGS.edit}</button>
          <button type="button" class="quiet" aria-label=${STRINGS.deleteKey(key.name)} onClick=${() => remove(key)}>${STRINGS.delete}</button>
        </li>`,
      )}
    </ul>
    ${result?.error && html`<p class="form-error" role="alert">${result.error}</p>`}
    <button type="button" onClick=${create}>${STRINGS.newApiKey}</button>
    ${dialog}
  <//>`;
}

/// The permissions of the contract grouped by what they act on ("asset.read" under "asset").
const PERMISSION_GROUPS = Object.entries(
  PERMISSIONS.filter((p) => p !== "all").reduce((groups, p) => {
    const group = p.split(".")[0];
    (groups[group] ||= []).push(p);
    return groups;
  }, {}),
);

/// A new key (no `apiKey`; `onSaved` gets the answer with its secret), or a key's name and permissions.
function KeyForm({ apiKey, onClose, onSaved }) {
  const had = apiKey?.permissions ?? ["all"];
  const [all, setAll] = useState(had.includes("all"));
  const [result, setResult] = useState(null);
  const submit = (e) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const permissions = all ? ["all"] : form.getAll("permission");
    attempt(setResult, null, async () => {
      if (!permissions.length) throw new Error(`${STRINGS.permissions}: none chosen`);
      const body = { name: form.get("name") || STRINGS.defaultKeyName, permissions };
      onSaved(await (apiKey ? api("PUT", `/api-keys/${apiKey.id}`, body) : api("POST", "/api-keys", body)));
    });
  };
  return html`<${Modal} title=${apiKey ? STRINGS.editKey(apiKey.name) : STRINGS.newApiKey} onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <label>${STRINGS.keyName}<input name="name" defaultValue=${apiKey?.name ?? STRINGS.defaultKeyName} required /></label>
      <fieldset class="permissions">
        <legend>${STRINGS.permissions}</legend>
        <label class="check-line"><input type="checkbox" name="all" checked=${all} onChange=${(e) => setAll(e.currentTarget.checked)} />${STRINGS.allPermissions}</label>
        ${!all &&
        html`<div class="permission-groups">
          ${PERMISSION_GROUPS.map(
            ([group, list]) => html`<fieldset key=${group}>
              <legend>${group}</legend>
              ${list.map((p) => html`<label class="check-line" key=${p}><input type="checkbox" name="permission" value=${p} defaultChecked=${had.includes(p)} />${p}</label>`)}
            </fieldset>`,
          )}
        </div>`}
      </fieldset>
      <${Outcome} result=${result} />
      <button type="submit">${apiKey ? STRINGS.save : STRINGS.create}</button>
    </form>
  <//>`;
}

/// The new key's secret, shown this once, with a Copy button.
function Secret({ secret, onClose }) {
  return html`<${ShownOnce} title=${STRINGS.secretTitle} intro=${STRINGS.secretOnce} value=${secret} what="key" onClose=${onClose} />`;
}

function Sessions() {
  const [sessions, reload, error] = useList("/sessions");
  const [dialog, setDialog] = useState(null);
  const [result, setResult] = useState(null);
  const close = () => setDialog(null);
  const logOut = (s) => attempt(setResult, null, async () => (await api("DELETE", `/sessions/${s.id}`), reload()));
  const logOutOthers = () =>
    setDialog(html`<${Confirm} title=${STRINGS.logOutOthers} message=${STRINGS.logOutOthersMessage} confirmLabel=${STRINGS.logOut} danger onClose=${close}
      onConfirm=${() => attempt(setResult, null, async () => (await api("DELETE", "/sessions"), close(), reload()))} />`);
  const device = (s) => [s.deviceType, s.deviceOS].filter(Boolean).join(", ") || STRINGS.unknownDevice;
  const ordered = (sessions || []).slice().sort((a, b) => b.current - a.current || (b.updatedAt > a.updatedAt ? 1 : -1));
  return html`<${Section} id="sessions" title=${STRINGS.sessions} intro=${STRINGS.sessionsIntro}>
    ${error && html`<p class="form-error" role="alert">${error}</p>`}
    <ul class="rows sessions">
      ${ordered.map(
        (s) => html`<li class="row" key=${s.id} data-session=${s.id} data-current=${s.current ? "true" : null}>
          <div class="row-text">
            <strong>${device(s)}</strong>
            <span class="muted">${s.current ? STRINGS.thisDevice : STRINGS.lastUsed(when(s.updatedAt))}</span>
          </div>
          ${!s.current && html`<button type="button" class="quiet" aria-label=${STRINGS.logOutSession(device(s))} onClick=${() => logOut(s)}>${STRINGS.logOut}</button>`}
        </li>`,
      )}
    </ul>
    ${result?.error && html`<p class="form-error" role="alert">${result.error}</p>`}
    ${ordered.some((s) => !s.current) && html`<button type="button" onClick=${logOutOthers}>${STRINGS.logOutOthers}</button>`}
    ${dialog}
  <//>`;
}

/// Partner sharing (Immich's): the users one shares one's whole library with (added by choosing
/// a user, removed after a confirmation), and those who share theirs, each shown in one's own
/// timeline or not, with a link to their photos.
function Partners() {
  const [sharedBy, reloadBy, errorBy] = useList("/partners?direction=shared-by");
  const [sharedWith, reloadWith, errorWith] = useList("/partners?direction=shared-with");
  const [users] = useList("/users");
  const [dialog, setDialog] = useState(null);
  const [result, setResult] = useState(null);
  const close = () => setDialog(null);
  const self = me.value?.id;
  const candidates = (users || []).filter((u) => u.id !== self && !(sharedBy || []).some((p) => p.id === u.id));
  const add = (e) => {
    e.preventDefault();
    const id = new FormData(e.currentTarget).get("partner");
    const user = candidates.find((u) => u.id === id);
    attempt(setResult, STRINGS.partnerAdded(user?.name || ""), async () => {
      await api("POST", "/partners", { sharedWithId: id });
      reloadBy();
    });
  };
  const remove = (partner) =>
    setDialog(html`<${Confirm} title=${STRINGS.removePartnerTitle} message=${STRINGS.removePartnerMessage(partner.name)} confirmLabel=${STRINGS.remove} danger
      onClose=${close} onConfirm=${() => attempt(setResult, null, async () => (await api("DELETE", `/partners/${partner.id}`), close(), reloadBy()))} />`);
  const show = (partner, inTimeline) =>
    attempt(setResult, null, async () => (await api("PUT", `/partners/${partner.id}`, { inTimeline }), reloadWith()));
  return html`<${Section} id="partners" title=${STRINGS.partners} intro=${STRINGS.partnersIntro}>
    ${(errorBy || errorWith) && html`<p class="form-error" role="alert">${errorBy || errorWith}</p>`}
    ${sharedBy && !sharedBy.length && html`<p class="muted">${STRINGS.noPartners}</p>`}
    <ul class="rows partners-shared-by">
      ${(sharedBy || []).map(
        (p) => html`<li class="row" key=${p.id} data-partner=${p.id}>
          <${Avatar} user=${p} size=${32} />
          <div class="row-text"><strong>${p.name}</strong><span class="muted">${p.email}</span></div>
          <button type="button" class="quiet" aria-label=${STRINGS.removePartner(p.name)} onClick=${() => remove(p)}>${STRINGS.remove}</button>
        </li>`,
      )}
    </ul>
    ${candidates.length > 0 &&
    html`<form class="stack add-partner" onSubmit=${add}>
      <label>${STRINGS.partnerToAdd}
        <select name="partner" required>
          <option value="">${STRINGS.choosePartner}</option>
          ${candidates.map((u) => html`<option key=${u.id} value=${u.id}>${u.name} (${u.email})</option>`)}
        </select>
      </label>
      <button type="submit">${STRINGS.addPartner}</button>
    </form>`}
    <${Outcome} result=${result} />
    <h3 class="partners-heading">${STRINGS.sharingWithYou}</h3>
    ${sharedWith && !sharedWith.length && html`<p class="muted">${STRINGS.noneShareWithYou}</p>`}
    <ul class="rows partners-shared-with">
      ${(sharedWith || []).map(
        (p) => html`<li class="row" key=${p.id} data-partner=${p.id}>
          <${Avatar} user=${p} size=${32} />
          <div class="row-text">
            <strong>${p.name}</strong>
            <label class="check-line"><input type="checkbox" aria-label=${STRINGS.showInTimelineOf(p.name)} defaultChecked=${Boolean(p.inTimeline)}
              onChange=${(e) => show(p, e.currentTarget.checked)} />${STRINGS.showInTimeline}</label>
          </div>
          <a class="button" href=${`/partners/${p.id}`} aria-label=${STRINGS.viewPhotosOf(p.name)}
            onClick=${(e) => (e.preventDefault(), navigate(`/partners/${p.id}`))}>${STRINGS.viewPhotos}</a>
        </li>`,
      )}
    </ul>
    ${dialog}
  <//>`;
}

function Preferences() {
  const [prefs, setPrefs] = useState(null);
  const [autoStack, setAutoStack] = useState(null);
  const [result, setResult] = useState(null);
  useEffect(() => {
    api("GET", "/users/me/preferences").then(setPrefs, (e) => setResult({ error: e.message }));
    // Ours, beside Immich's preferences.
    api("GET", "/ferrotype/auto-stack").then(setAutoStack, (e) => setResult({ error: e.message }));
  }, []);
  const save = (e) => {
    e.preventDefault();
    const v = new FormData(e.currentTarget);
    attempt(setResult, STRINGS.saved, async () => {
      const archiveSize = Math.round(Number(v.get("archiveSize")) * GIB);
      setPrefs(
        await api("PUT", "/users/me/preferences", {
          download: { archiveSize },
          emailNotifications: { enabled: v.get("emailEnabled") === "on", albumInvite: v.get("albumInvite") === "on" },
        }),
      );
      setAutoStack(await api("PUT", "/ferrotype/auto-stack", { enabled: v.get("autoStack") === "on" }));
    });
  };
  return html`<${Section} id="preferences" title=${STRINGS.preferences}>
    ${prefs &&
    html`<form class="stack" onSubmit=${save}>
      <label>${STRINGS.archiveSize}
        <input name="archiveSize" type="number" min="0.1" step="0.1" required defaultValue=${+(prefs.download.archiveSize / GIB).toFixed(2)} aria-describedby="archive-size-help" />
      </label>
      <p class="muted" id="archive-size-help">${STRINGS.archiveSizeHelp}</p>
      <label class="check-line"><input name="emailEnabled" type="checkbox" defaultChecked=${prefs.emailNotifications.enabled} />${STRINGS.emailNotifications}</label>
      <label class="check-line indented"><input name="albumInvite" type="checkbox" defaultChecked=${prefs.emailNotifications.albumInvite} />${STRINGS.albumInvites}</label>
      ${autoStack &&
      html`<label class="check-line"><input name="autoStack" type="checkbox" defaultChecked=${autoStack.enabled} aria-describedby="auto-stack-help" />${STRINGS.autoStack}</label>
        <p class="muted" id="auto-stack-help">${STRINGS.autoStackHelp}</p>`}
      <${Outcome} result=${result} />
      <button type="submit">${STRINGS.save}</button>
    </form>`}
    ${!prefs && html`<${Outcome} result=${result} />`}
  <//>`;
}

function ThemeChoice() {
  return html`<${Section} id="theme" title=${STRINGS.theme}><${ThemeRadios} /><//>`;
}

/// Light, dark or the system's: kept in this browser and applied at once (also in onboarding).
export function ThemeRadios() {
  return html`<fieldset class="theme-choice">
    <legend class="visually-hidden">${STRINGS.theme}</legend>
    ${THEMES.map(
      (t) => html`<label class="check-line" key=${t}>
        <input type="radio" name="theme" value=${t} checked=${theme.value === t} onChange=${() => chooseTheme(t)} />${STRINGS.themes[t]}
      </label>`,
    )}
  </fieldset>`;
}
