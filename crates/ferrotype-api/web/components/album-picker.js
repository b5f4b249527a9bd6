// "Add to album": an existing album, or a new one made with the assets.

import { api } from "/api.js";
import { el } from "/dom.js";
import { toast, guard } from "/components/toast.js";
import { dialog } from "/components/dialog.js";
import { changedInPlace } from "/components/selection.js";

/// `then(album)` runs once added; by default the selection is cleared and the months of the
/// photos fetched again (the viewer passes its own: it stays open).
export async function addToAlbumDialog(assetIds, then = null) {
  const added = (album) => {
    if (!then) return changedInPlace(assetIds, `Added to ${album.albumName}`);
    toast(`Added to ${album.albumName}`);
    then(album);
  };
  const albums = await api("GET", "/albums");
  const box = dialog(
    "Add to album",
    el("form", { method: "dialog", class: "stack" },
      el("label", {}, "New album", el("input", { name: "albumName", placeholder: "Album name" })),
      el("button", { type: "submit", value: "new" }, "Create and add"),
    ),
    el("ul", { class: "choices" }, albums.map((a) =>
      el("li", {}, el("button", { type: "button", class: "quiet", onclick: guard(`Cannot add to ${a.albumName}`, async () => {
        await api("PUT", `/albums/${a.id}/assets`, { ids: assetIds });
        box.close();
        added(a);
      }) }, `${a.albumName} (${a.assetCount})`)),
    )),
  );
  const create = guard("Cannot create the album", async (form) => {
    const name = new FormData(form).get("albumName").trim();
    if (!name) return toast("Give the album a name", "error");
    const album = await api("POST", "/albums", { albumName: name, assetIds });
    box.close();
    added(album);
  });
  box.querySelector("form").addEventListener("submit", (e) => (e.preventDefault(), create(e.target)));
}
