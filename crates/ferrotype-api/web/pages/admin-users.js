// The administration's users: each with their photos, videos and usage (`/server/statistics`),
// created, edited (name, email, storage label, quota, admin), given a new password, deleted (after
// the server's delay, or now; not one's own account, as in Immich) and restored while their
// deletion waits.

import { html } from "/ui.js";
import { useEffect, useState } from "preact/hooks";
import { api } from "/api.js";
import { Modal, Confirm, ShownOnce } from "/components/modal.js";
import { me } from "/components/avatar.js";

export const STRINGS = {
  name: "Name",
  email: "Email",
  password: "Password",
  photos: "Photos",
  videos: "Videos",
  usage: "Usage",
  actions: "Actions",
  admin: "Admin",
  yes: "Yes",
  isAdmin: "Administrator",
  storageLabel: "Storage label",
  quota: "Quota (GiB, empty for none)",
  shouldChangePassword: "Ask for a new password at the first sign-in",
  createUser: "Create a user",
  create: "Create",
  edit: "Edit",
  editUser: (name) => `Edit ${name}`,
  save: "Save",
  resetPassword: "Reset password",
  resetPasswordOf: (name) => `Reset password of ${name}`,
  resetMessage: (name) => `${name} will get a new random password, to change at the next sign-in.`,
  reset: "Reset",
  newPassword: "New password",
  newPasswordOnce: (name) => `The new password of ${name}, shown this once:`,
  delete: "Delete",
  deleteUser: (name) => `Delete ${name}`,
  deleteMessage: (name, days) =>
    `${name}'s account and photos will be deleted for good after ${days} days; until then the account can be restored.`,
  deleteNow: "Delete the account and its photos now",
  restore: "Restore",
  restoreUser: (name) => `Restore ${name}`,
  deleted: "deleted, restorable",
  of: (used, quota) => `${used} of ${quota}`,
};

const GIB = 1024 ** 3;

/// Bytes for people: "1.4 GiB", "820 MiB".
export function size(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit && value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function AdminUsers() {
  const [users, setUsers] = useState(null);
  const [stats, setStats] = useState({});
  const [deleteDelay, setDeleteDelay] = useState(7);
  const [error, setError] = useState("");
  const [dialog, setDialog] = useState(null);
  const close = () => setDialog(null);
  const reload = async () => {
    try {
      const [list, statistics] = await Promise.all([api("GET", "/admin/users?withDeleted=true"), api("GET", "/server/statistics")]);
      setUsers(list);
      setStats(Object.fromEntries(statistics.usageByUser.map((u) => [u.userId, u])));
      setError("");
    } catch (err) {
      setError(err.message);
    }
  };
  useEffect(() => {
    reload();
    api("GET", "/system-config").then((c) => setDeleteDelay(c.user.deleteDelay), () => {});
  }, []);
  const done = () => (close(), reload());
  const restore = async (u) => {
    try {
      await api("POST", `/admin/users/${u.id}/restore`);
      reload();
    } catch (err) {
      setError(err.message);
    }
  };
  const open = {
    create: () => setDialog(html`<${UserForm} onClose=${close} onSaved=${done} />`),
    edit: (u) => setDialog(html`<${UserForm} user=${u} onClose=${close} onSaved=${done} />`),
    reset: (u) => setDialog(html`<${ResetPassword} user=${u} onClose=${close} />`),
    remove: (u) => setDialog(html`<${DeleteUser} user=${u} days=${deleteDelay} onClose=${close} onDeleted=${done} />`),
  };
  return html`<div class="admin-users">
    ${error && html`<p class="form-error" role="alert">${error}</p>`}
    <div class="table-scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">${STRINGS.name}</th><th scope="col">${STRINGS.email}</th>
            <th scope="col">${STRINGS.photos}</th><th scope="col">${STRINGS.videos}</th><th scope="col">${STRINGS.usage}</th>
            <th scope="col">${STRINGS.admin}</th><th scope="col">${STRINGS.actions}</th>
          </tr>
        </thead>
        <tbody>
          ${(users || []).map((u) => {
            const s = stats[u.id] || { photos: 0, videos: 0, usage: 0 };
            const usage = u.quotaSizeInBytes ? STRINGS.of(size(s.usage), size(u.quotaSizeInBytes)) : size(s.usage);
            return html`<tr key=${u.id} data-user=${u.email} data-deleted=${u.deletedAt ? "true" : null}>
              <td class="user-name">${u.name}${u.deletedAt && html` <span class="muted">(${STRINGS.deleted})</span>`}</td>
              <td data-label=${STRINGS.email}>${u.email}</td>
              <td data-label=${STRINGS.photos} data-stat="photos">${s.photos}</td>
              <td data-label=${STRINGS.videos} data-stat="videos">${s.videos}</td>
              <td data-label=${STRINGS.usage} data-stat="usage">${usage}</td>
              <td data-label=${STRINGS.admin}>${u.isAdmin ? STRINGS.yes : ""}</td>
              <td class="row-actions">
                ${!u.deletedAt
                  ? html`<button type="button" class="quiet" aria-label=${STRINGS.editUser(u.name)} onClick=${() => open.edit(u)}>${STRINGS.edit}</button>
                      <button type="button" class="quiet" aria-label=${STRINGS.resetPasswordOf(u.name)} onClick=${() => open.reset(u)}>${STRINGS.resetPassword}</button>
                      ${u.id !== me.value?.id &&
                      html`<button type="button" class="quiet" aria-label=${STRINGS.deleteUser(u.name)} onClick=${() => open.remove(u)}>${STRINGS.delete}</button>`}`
                  : html`<button type="button" class="quiet" aria-label=${STRINGS.restoreUser(u.name)} onClick=${() => restore(u)}>${STRINGS.restore}</button>`}
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
    <button type="button" onClick=${open.create}>${STRINGS.createUser}</button>
    ${dialog}
  </div>`;
}

/// Creates a user (no `user`) or edits one.
function UserForm({ user, onClose, onSaved }) {
  const [error, setError] = useState("");
  const submit = async (e) => {
    e.preventDefault();
    const v = new FormData(e.currentTarget);
    const quota = String(v.get("quota")).trim();
    const body = {
      name: v.get("name"),
      email: v.get("email"),
      storageLabel: String(v.get("storageLabel")).trim() || null,
      quotaSizeInBytes: quota === "" ? null : Math.round(Number(quota) * GIB),
      isAdmin: v.get("isAdmin") === "on",
    };
    try {
      if (user) await api("PUT", `/admin/users/${user.id}`, body);
      else await api("POST", "/admin/users", { ...body, password: v.get("password"), shouldChangePassword: v.get("shouldChangePassword") === "on" });
      onSaved();
    } catch (err) {
      setError(err.message);
    }
  };
  const quota = user?.quotaSizeInBytes ? +(user.quotaSizeInBytes / GIB).toFixed(2) : "";
  return html`<${Modal} title=${user ? STRINGS.editUser(user.name) : STRINGS.createUser} onClose=${onClose}>
    <form class="stack" onSubmit=${submit}>
      <label>${STRINGS.name}<input name="name" required defaultValue=${user?.name ?? ""} /></label>
      <label>${STRINGS.email}<input name="email" type="email" required defaultValue=${user?.email ?? ""} /></label>
      ${!user && html`<label>${STRINGS.password}<input name="password" type="password" required minlength="8" autocomplete="new-password" /></label>`}
      <label>${STRINGS.storageLabel}<input name="storageLabel" defaultValue=${user?.storageLabel ?? ""} /></label>
      <label>${STRINGS.quota}<input name="quota" type="number" min="0" step="any" defaultValue=${quota} /></label>
      <label class="check-line"><input name="isAdmin" type="checkbox" defaultChecked=${!!user?.isAdmin} />${STRINGS.isAdmin}</label>
      ${!user && html`<label class="check-line"><input name="shouldChangePassword" type="checkbox" defaultChecked />${STRINGS.shouldChangePassword}</label>`}
      <p class="form-error" role="alert">${error}</p>
      <button type="submit">${user ? STRINGS.save : STRINGS.create}</button>
    </form>
  <//>`;
}

/// A random password as Immich's web makes one: 16 characters of letters and digits.
function randomPassword() {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

/// Sets a new random password (to be changed at the next sign-in) and shows it once.
function ResetPassword({ user, onClose }) {
  const [password, setPassword] = useState(null);
  const [note, setNote] = useState(null);
  const reset = async () => {
    const fresh = randomPassword();
    try {
      await api("PUT", `/admin/users/${user.id}`, { password: fresh, shouldChangePassword: true });
      setPassword(fresh);
    } catch (err) {
      setNote({ error: err.message });
    }
  };
  if (!password) {
    return html`<${Confirm} title=${STRINGS.resetPasswordOf(user.name)} message=${STRINGS.resetMessage(user.name)} confirmLabel=${STRINGS.reset}
      onConfirm=${reset} onClose=${onClose}>${note?.error && html`<p class="form-error" role="alert">${note.error}</p>`}<//>`;
  }
  return html`<${ShownOnce} title=${STRINGS.newPassword} intro=${STRINGS.newPasswordOnce(user.name)} value=${password} what="password" onClose=${onClose} />`;
}

/// Deletes after the server's delay, or at once with "delete now" (`force`).
function DeleteUser({ user, days, onClose, onDeleted }) {
  const [error, setError] = useState("");
  const remove = async (form) => {
    try {
      await api("DELETE", `/admin/users/${user.id}`, { force: form.get("force") === "on" });
      onDeleted();
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<${Confirm} title=${STRINGS.deleteUser(user.name)} message=${STRINGS.deleteMessage(user.name, days)} confirmLabel=${STRINGS.delete} danger
    onConfirm=${remove} onClose=${onClose}>
    <label class="check-line"><input type="checkbox" name="force" />${STRINGS.deleteNow}</label>
    <p class="form-error" role="alert">${error}</p>
  <//>`;
}
