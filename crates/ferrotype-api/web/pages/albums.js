// The albums: the list with Create album, and an album's page (name, description, sharing, its
// members, its photos).

import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "/api.js";
import { html, setTitle, showPage } from "/ui.js";
import { state } from "/state.js";
import { route, navigate } from "/router.js";
import { toast, guard } from "/components/toast.js";
import { confirmDialog, promptDialog } from "/components/dialog.js";
import { Modal, openModal } from "/components/modal.js";
import { Header } from "/components/header.js";
import { shareDialog } from "/components/share-dialog.js";
import { PhotosMain } from "/components/photos-main.js";
import { monthSections } from "/components/photo-grid.js";
import { ActivityPanel } from "/components/activity.js";

export const STRINGS = {
  title: "Albums",
  create: "Create album",
  createTitle: "Create album",
  albumName: "Album name",
  createButton: "Create",
  cannotCreate: "Cannot create the album",
  none: "No albums yet. Create one, or select photos and choose “Add to album”.",
  items: (a) => `${a.assetCount} items${a.shared ? " · shared" : ""}`,
  cannotOpen: (message) => `Cannot open the album: ${message}`,
  album: "Album",
  description: "Description",
  addDescription: "Add a description",
  saved: "Album saved",
  cannotSave: (message) => `Cannot save: ${message}`,
  addPhotos: "Add photos",
  shareLink: "Share link",
  shareWithUsers: "Share with users",
  cannotShare: "Cannot share",
  members: (n) => `Members (${n})`,
  cannotShowMembers: "Cannot show the members",
  deleteAlbum: "Delete album",
  deleteQuestion: (name) => `Delete the album “${name}”? Its photos stay.`,
  delete: "Delete",
  deleted: "Album deleted",
  cannotDelete: "Cannot delete the album",
  empty: "Nothing here yet.",
  users: "Users",
  role: "Role",
  editor: "Can add photos",
  viewer: "Can only view",
  share: "Share",
  cancel: "Cancel",
  noOneElse: "There are no other users to share with.",
  sharedWith: (names) => `Shared with ${names.join(", ")}`,
  addTo: (name) => `Add to ${name}`,
  addPhotosTo: (name) => `Add photos to “${name}”`,
  done: "Done",
  select: "Select the photos and videos to add.",
  noPhotos: "No photos yet.",
  membersTitle: "Members",
  you: " (you)",
  roleOf: (name) => `Role of ${name}`,
  nowRole: (name, role) => `${name} ${role === "viewer" ? "can only view" : "can add photos"}`,
  remove: "Remove",
  removed: (name) => `${name} removed`,
  leave: "Leave",
  left: (name) => `You left ${name}`,
};

/// A link inside the app (drawn by the router, not reloaded).
function AppLink({ href, children, ...rest }) {
  return html`<a href=${href} ...${rest} onClick=${(e) => (e.preventDefault(), navigate(href))}>${children}</a>`;
}

export function albumsPage() {
  showPage(html`<${Header} /><${Albums} />`);
}

function Albums() {
  const [albums, setAlbums] = useState(null);
  useEffect(() => {
    api("GET", "/albums").then(setAlbums, (err) => (toast(err.message, "error"), setAlbums([])));
  }, []);
  const create = guard(STRINGS.cannotCreate, async () => {
    const name = await promptDialog(STRINGS.createTitle, STRINGS.albumName, STRINGS.createButton);
    if (name === null) return;
    const album = await api("POST", "/albums", { albumName: name });
    navigate(`/albums/${album.id}`);
  });
  return html`<main class="page">
    <div class="page-head"><h1>${STRINGS.title}</h1><button type="button" onClick=${create}>${STRINGS.create}</button></div>
    <section class="albums">
      ${albums?.length === 0 && html`<p class="empty">${STRINGS.none}</p>`}
      ${albums?.map((a) => html`<${AppLink} key=${a.id} class="album-card" href=${`/albums/${a.id}`}>
        ${a.albumThumbnailAssetId
          ? html`<img src=${`/api/assets/${a.albumThumbnailAssetId}/thumbnail?size=thumbnail`} alt="" />`
          : html`<div class="no-cover"></div>`}
        <strong>${a.albumName}</strong>
        <span>${STRINGS.items(a)}</span>
      <//>`)}
    </section>
  </main>`;
}

/// The album `id`; when it cannot be read, says why and goes back to the albums (null).
async function albumOrBack(id) {
  try {
    return await api("GET", `/albums/${id}`);
  } catch (err) {
    toast(STRINGS.cannotOpen(err.message), "error");
    navigate("/albums");
    return null;
  }
}

export async function albumPage(id) {
  const album = await albumOrBack(id);
  if (!album) return;
  setTitle(album.albumName || STRINGS.album);
  const me = album.albumUsers.find((u) => u.user.id === state.user.id);
  state.scope = { albumId: id, canEdit: me && me.role !== "viewer" };
  showPage(html`<${Header} /><${Album} album=${album} owner=${Boolean(me && me.role === "owner")} canEdit=${state.scope.canEdit} />`);
}

function Album({ album, owner, canEdit }) {
  const id = album.id;
  const name = useRef(null);
  const description = useRef(null);
  // The owner's name and description are saved as each is changed.
  const save = async () => {
    try {
      await api("PATCH", `/albums/${id}`, { albumName: name.current.value, description: description.current.value });
      toast(STRINGS.saved);
    } catch (err) {
      toast(STRINGS.cannotSave(err.message), "error");
    }
  };
  // Read again: a change made in the dialog a moment ago may not be drawn on this page yet.
  const members = guard(STRINGS.cannotShowMembers, async () => membersDialog(await api("GET", `/albums/${id}`), owner));
  const remove = guard(STRINGS.cannotDelete, async () => {
    if (!(await confirmDialog(STRINGS.deleteAlbum, STRINGS.deleteQuestion(album.albumName), STRINGS.delete))) return;
    await api("DELETE", `/albums/${id}`);
    toast(STRINGS.deleted);
    navigate("/albums");
  });
  const head = html`
    <input ref=${name} class="title" defaultValue=${album.albumName} aria-label=${STRINGS.albumName} readonly=${!owner} onChange=${owner ? save : undefined} />
    <input ref=${description} class="description" defaultValue=${album.description} placeholder=${owner ? STRINGS.addDescription : ""} aria-label=${STRINGS.description}
      readonly=${!owner} onChange=${owner ? save : undefined} />
    <div class="actions">
      ${canEdit && html`<button type="button" onClick=${() => navigate(`/albums/${id}/add-photos`)}>${STRINGS.addPhotos}</button>`}
      ${owner && html`<button type="button" onClick=${() => shareDialog({ type: "ALBUM", albumId: id })}>${STRINGS.shareLink}</button>`}
      ${owner && html`<button type="button" onClick=${guard(STRINGS.cannotShare, () => shareWithUsers(album))}>${STRINGS.shareWithUsers}</button>`}
      ${(album.albumUsers.length > 1 || owner) && html`<button type="button" class="quiet" onClick=${members}>${STRINGS.members(album.albumUsers.length)}</button>`}
      ${owner && html`<button type="button" class="quiet" onClick=${remove}>${STRINGS.deleteAlbum}</button>`}
    </div>
    <div class="activity-panel"><${ActivityPanel} album=${album} me=${state.user.id} owner=${owner} /></div>`;
  return html`<${PhotosMain} class="page" scrubber=${false} head=${head} sections=${() => monthSections(`albumId=${id}`)} empty=${STRINGS.empty} />`;
}

/// Adds other users to an album, as editors (they add photos) or viewers: the users are ticked,
/// then shared with at once (a name is a checkbox, not a button that shares on the first click).
export async function shareWithUsers(album) {
  const members = new Set(album.albumUsers.map((u) => u.user.id));
  const users = (await api("GET", "/users")).filter((u) => !members.has(u.id));
  const shared = await openModal((close) => html`<${ShareWithUsers} album=${album} users=${users} close=${close} />`);
  if (shared) route();
}

function ShareWithUsers({ album, users, close }) {
  const [chosen, setChosen] = useState(0);
  const submit = guard(STRINGS.cannotShare, async (form) => {
    const ids = new FormData(form).getAll("user");
    const role = new FormData(form).get("role");
    await api("PUT", `/albums/${album.id}/users`, { albumUsers: ids.map((userId) => ({ userId, role })) });
    toast(STRINGS.sharedWith(users.filter((u) => ids.includes(u.id)).map((u) => u.name)));
    close(true);
  });
  const changed = (e) => setChosen(e.currentTarget.querySelectorAll("input[name=user]:checked").length);
  return html`<${Modal} title=${STRINGS.shareWithUsers} onClose=${() => close(false)}>
    ${users.length
      ? html`<form class="stack" onChange=${changed} onSubmit=${(e) => (e.preventDefault(), submit(e.currentTarget))}>
          <fieldset class="stack"><legend>${STRINGS.users}</legend>
            ${users.map((u) => html`<label key=${u.id} class="check-line"><input type="checkbox" name="user" value=${u.id} />${`${u.name} <${u.email}>`}</label>`)}
          </fieldset>
          <label class="stack">${STRINGS.role}<select name="role" aria-label=${STRINGS.role}>
            <option value="editor">${STRINGS.editor}</option>
            <option value="viewer">${STRINGS.viewer}</option>
          </select></label>
          <div class="actions">
            <button type="submit" disabled=${!chosen}>${STRINGS.share}</button>
            <button type="button" class="quiet" onClick=${() => close(false)}>${STRINGS.cancel}</button>
          </div>
        </form>`
      : html`<p>${STRINGS.noOneElse}</p>`}
  <//>`;
}

/// "Add photos" of an album: the user's timeline to select from; the bar adds the selection to
/// the album and goes back to it.
export async function albumAddPhotosPage(id) {
  const album = await albumOrBack(id);
  if (!album) return;
  setTitle(STRINGS.addTo(album.albumName));
  state.scope = { addTo: { id, name: album.albumName } };
  showPage(html`<${Header} /><${PhotosMain} sections=${() => monthSections("visibility=timeline&order=desc")} empty=${STRINGS.noPhotos}>
    <div class="page-head">
      <h1 class="view-title">${STRINGS.addPhotosTo(album.albumName)}</h1>
      <${AppLink} class="button quiet" href=${`/albums/${id}`}>${STRINGS.done}<//>
    </div>
    <p class="muted">${STRINGS.select}</p>
  <//>`);
}

/// The album's members as they are now (fetched when opened: the page may be older): the owner
/// changes roles and removes members; a member can leave.
export async function membersDialog(album, owner) {
  const changed = await openModal((close) => html`<${Members} album=${album} owner=${owner} close=${close} />`);
  if (changed) route();
}

function Members({ album, owner, close }) {
  // Each change closes the dialog and draws the page again (its count of members).
  const act = (fn) => async (e) => {
    try {
      await fn(e);
      close(true);
    } catch (err) {
      toast(err.message, "error");
    }
  };
  const row = ({ user, role }) => {
    const me = user.id === state.user.id;
    const control =
      owner && role !== "owner"
        ? html`<select aria-label=${STRINGS.roleOf(user.name)} onChange=${act(async (e) => {
            const next = e.target.value;
            await api("PUT", `/albums/${album.id}/user/${user.id}`, { role: next });
            toast(STRINGS.nowRole(user.name, next));
          })}>
            <option value="editor" selected=${role === "editor"}>${STRINGS.editor}</option>
            <option value="viewer" selected=${role === "viewer"}>${STRINGS.viewer}</option>
          </select>`
        : html`<span class="muted">${role}</span>`;
    const remove =
      owner && role !== "owner"
        ? html`<button type="button" class="quiet" onClick=${act(async () => {
            await api("DELETE", `/albums/${album.id}/user/${user.id}`);
            toast(STRINGS.removed(user.name));
          })}>${STRINGS.remove}</button>`
        : !owner && me
          ? html`<button type="button" class="quiet" onClick=${act(async () => {
              await api("DELETE", `/albums/${album.id}/user/me`);
              toast(STRINGS.left(album.albumName));
              navigate("/albums");
            })}>${STRINGS.leave}</button>`
          : null;
    return html`<li key=${user.id} class="member" data-user=${user.email}><span>${user.name}${me ? STRINGS.you : ""}</span>${control}${remove}</li>`;
  };
  return html`<${Modal} title=${STRINGS.membersTitle} onClose=${() => close(false)}>
    <ul class="choices members">${album.albumUsers.map(row)}</ul>
  <//>`;
}
