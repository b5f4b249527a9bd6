// The albums: the list with Create album, and an album's page (name, description, sharing, its
// members, its photos).

import { api } from "/api.js";
import { el } from "/dom.js";
import { setTitle } from "/ui.js";
import { app, state } from "/state.js";
import { route, navigate } from "/router.js";
import { toast, guard } from "/components/toast.js";
import { dialog, promptDialog } from "/components/dialog.js";
import { header } from "/components/header.js";
import { shareDialog } from "/components/share-dialog.js";
import { drawAlbum, monthSections, showGrid } from "/components/photo-grid.js";
import { scrubber } from "/grid.js";
import { activityPanel } from "/components/activity.js";

export async function albumsPage() {
  const list = el("section", { class: "albums" });
  const create = el("button", { type: "button", onclick: guard("Cannot create the album", async () => {
    const name = await promptDialog("Create album", "Album name", "Create");
    if (name === null) return;
    const album = await api("POST", "/albums", { albumName: name });
    navigate(`/albums/${album.id}`);
  }) }, "Create album");
  app.replaceChildren(header(), el("main", { class: "page" }, el("div", { class: "page-head" }, el("h1", {}, "Albums"), create), list));
  const albums = await api("GET", "/albums").catch((err) => (toast(err.message, "error"), []));
  if (!albums.length) list.append(el("p", { class: "empty" }, "No albums yet. Create one, or select photos and choose “Add to album”."));
  for (const a of albums) {
    list.append(
      el("a", { class: "album-card", href: `/albums/${a.id}`, onclick: (e) => (e.preventDefault(), navigate(`/albums/${a.id}`)) },
        a.albumThumbnailAssetId
          ? el("img", { src: `/api/assets/${a.albumThumbnailAssetId}/thumbnail?size=thumbnail`, alt: "" })
          : el("div", { class: "no-cover" }),
        el("strong", {}, a.albumName),
        el("span", {}, `${a.assetCount} items${a.shared ? " · shared" : ""}`),
      ),
    );
  }
}

/// The album `id`; when it cannot be read, says why and goes back to the albums (null).
async function albumOrBack(id) {
  try {
    return await api("GET", `/albums/${id}`);
  } catch (err) {
    toast(`Cannot open the album: ${err.message}`, "error");
    navigate("/albums");
    return null;
  }
}

export async function albumPage(id) {
  const album = await albumOrBack(id);
  if (!album) return;
  setTitle(album.albumName || "Album");
  const me = album.albumUsers.find((u) => u.user.id === state.user.id);
  const owner = me && me.role === "owner";
  state.scope = { albumId: id, canEdit: me && me.role !== "viewer" };
  const title = el("input", { class: "title", value: album.albumName, "aria-label": "Album name", readonly: !owner });
  const description = el("input", { class: "description", value: album.description, placeholder: owner ? "Add a description" : "", "aria-label": "Description", readonly: !owner });
  const save = async () => {
    try {
      await api("PATCH", `/albums/${id}`, { albumName: title.value, description: description.value });
      toast("Album saved");
    } catch (err) {
      toast(`Cannot save: ${err.message}`, "error");
    }
  };
  if (owner) {
    title.addEventListener("change", save);
    description.addEventListener("change", save);
  }
  const actions = el("div", { class: "actions" },
    state.scope.canEdit ? el("button", { type: "button", onclick: () => navigate(`/albums/${id}/add-photos`) }, "Add photos") : null,
    owner ? el("button", { type: "button", onclick: () => shareDialog({ type: "ALBUM", albumId: id }) }, "Share link") : null,
    owner ? el("button", { type: "button", onclick: guard("Cannot share", () => shareWithUsers(album)) }, "Share with users") : null,
    album.albumUsers.length > 1 || owner ? el("button", { type: "button", class: "quiet", onclick: guard("Cannot show the members", async () => {
      // Read again: a change made in the dialog a moment ago may not be drawn on this page yet.
      membersDialog(await api("GET", `/albums/${id}`), owner);
    }) }, `Members (${album.albumUsers.length})`) : null,
    owner ? el("button", { type: "button", class: "quiet", onclick: guard("Cannot delete the album", async () => {
      if (!confirm(`Delete the album “${album.albumName}”? Its photos stay.`)) return;
      await api("DELETE", `/albums/${id}`);
      toast("Album deleted");
      navigate("/albums");
    }) }, "Delete album") : null,
  );
  const timeline = el("section", { class: "timeline", id: "timeline" });
  const activity = el("div", { class: "activity-panel" });
  app.replaceChildren(header(), el("main", { class: "page" }, title, description, actions, activity, timeline));
  activityPanel(activity, album, state.user.id, owner);
  await drawAlbum(timeline, `albumId=${id}`);
}

/// Adds other users to an album, as editors (they add photos) or viewers: the users are ticked,
/// then shared with at once (a name is a checkbox, not a button that shares on the first click).
export async function shareWithUsers(album) {
  const members = new Set(album.albumUsers.map((u) => u.user.id));
  const users = (await api("GET", "/users")).filter((u) => !members.has(u.id));
  const role = el("select", { name: "role", "aria-label": "Role" },
    el("option", { value: "editor" }, "Can add photos"),
    el("option", { value: "viewer" }, "Can only view"));
  const share = el("button", { type: "submit", disabled: true }, "Share");
  const form = el("form", { class: "stack" },
    el("fieldset", { class: "stack" }, el("legend", {}, "Users"),
      ...users.map((u) => el("label", { class: "check-line" },
        el("input", { type: "checkbox", name: "user", value: u.id }), `${u.name} <${u.email}>`))),
    el("label", { class: "stack" }, "Role", role),
    el("div", { class: "actions" }, share, el("button", { type: "button", class: "quiet", onclick: () => box.close() }, "Cancel")));
  form.addEventListener("change", () => (share.disabled = !form.querySelector("input[name=user]:checked")));
  form.addEventListener("submit", guard("Cannot share", async (e) => {
    e.preventDefault();
    const chosen = new FormData(form).getAll("user");
    await api("PUT", `/albums/${album.id}/users`, { albumUsers: chosen.map((userId) => ({ userId, role: role.value })) });
    const names = users.filter((u) => chosen.includes(u.id)).map((u) => u.name);
    toast(`Shared with ${names.join(", ")}`);
    box.close();
    route();
  }));
  const box = dialog("Share with users", users.length ? form : el("p", {}, "There are no other users to share with."));
}

/// "Add photos" of an album: the user's timeline to select from; the bar adds the selection to
/// the album and goes back to it.
export async function albumAddPhotosPage(id) {
  const album = await albumOrBack(id);
  if (!album) return;
  setTitle(`Add to ${album.albumName}`);
  state.scope = { addTo: { id, name: album.albumName } };
  const timeline = el("section", { class: "timeline", id: "timeline" },
    el("div", { class: "page-head" },
      el("h1", { class: "view-title" }, `Add photos to “${album.albumName}”`),
      el("a", { class: "button quiet", href: `/albums/${id}`, onclick: (e) => (e.preventDefault(), navigate(`/albums/${id}`)) }, "Done")),
    el("p", { class: "muted" }, "Select the photos and videos to add."));
  const main = el("main", { class: "photos" }, timeline);
  app.replaceChildren(header(), main);
  const sections = await monthSections("visibility=timeline&order=desc");
  if (!sections.length) timeline.append(el("p", { class: "empty" }, "No photos yet."));
  main.append(scrubber(showGrid(timeline, sections)));
}

/// The album's members: the owner changes roles and removes members; a member can leave.
/// The album's members as they are now (fetched when opened: the page may be older).
export function membersDialog(album, owner) {
  const act = (fn) => async () => {
    try {
      await fn();
      box.close();
      route();
    } catch (err) {
      toast(err.message, "error");
    }
  };
  const rows = album.albumUsers.map(({ user, role }) => {
    const me = user.id === state.user.id;
    let control = el("span", { class: "muted" }, role);
    if (owner && role !== "owner") {
      control = el("select", { "aria-label": `Role of ${user.name}`, onchange: (e) => act(async () => {
        await api("PUT", `/albums/${album.id}/user/${user.id}`, { role: e.target.value });
        toast(`${user.name} ${e.target.value === "viewer" ? "can only view" : "can add photos"}`);
      })() },
        el("option", { value: "editor", selected: role === "editor" }, "Can add photos"),
        el("option", { value: "viewer", selected: role === "viewer" }, "Can only view"));
    }
    const remove = owner && role !== "owner"
      ? el("button", { type: "button", class: "quiet", onclick: act(async () => {
          await api("DELETE", `/albums/${album.id}/user/${user.id}`);
          toast(`${user.name} removed`);
        }) }, "Remove")
      : !owner && me
        ? el("button", { type: "button", class: "quiet", onclick: act(async () => {
            await api("DELETE", `/albums/${album.id}/user/me`);
            toast(`You left ${album.albumName}`);
            navigate("/albums");
          }) }, "Leave")
        : null;
    return el("li", { class: "member", "data-user": user.email }, el("span", {}, `${user.name}${me ? " (you)" : ""}`), control, remove);
  });
  const box = dialog("Members", el("ul", { class: "choices members" }, rows));
}
