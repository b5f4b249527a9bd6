// "Add to album": an existing album, or a new one made with the assets.

import { api } from "/api.js";
import { html } from "/ui.js";
import { toast, guard } from "/components/toast.js";
import { Modal, openModal } from "/components/modal.js";
import { changedInPlace } from "/components/selection.js";

const STRINGS = {
  title: "Add to album",
  newAlbum: "New album",
  albumName: "Album name",
  create: "Create and add",
  album: (a) => `${a.albumName} (${a.assetCount})`,
  added: (name) => `Added to ${name}`,
  needName: "Give the album a name",
  cannotCreate: "Cannot create the album",
  cannotAdd: (name) => `Cannot add to ${name}`,
};

/// `then(album)` runs once added; by default the selection is cleared and the months of the
/// photos fetched again (the viewer passes its own: it stays open).
export async function addToAlbumDialog(assetIds, then = null) {
  const albums = await api("GET", "/albums");
  const album = await openModal((close) => html`<${AlbumPicker} albums=${albums} assetIds=${assetIds} close=${close} />`);
  if (!album) return;
  if (!then) return changedInPlace(assetIds, STRINGS.added(album.albumName));
  toast(STRINGS.added(album.albumName));
  then(album);
}

/// Closes with the album the assets went into (null when dismissed).
function AlbumPicker({ albums, assetIds, close }) {
  const create = guard(STRINGS.cannotCreate, async (form) => {
    const name = new FormData(form).get("albumName").trim();
    if (!name) return toast(STRINGS.needName, "error");
    close(await api("POST", "/albums", { albumName: name, assetIds }));
  });
  const addTo = (a) =>
    guard(STRINGS.cannotAdd(a.albumName), async () => {
      await api("PUT", `/albums/${a.id}/assets`, { ids: assetIds });
      close(a);
    });
  return html`<${Modal} title=${STRINGS.title} onClose=${() => close(null)}>
    <form class="stack" onSubmit=${(e) => (e.preventDefault(), create(e.currentTarget))}>
      <label>${STRINGS.newAlbum}<input name="albumName" placeholder=${STRINGS.albumName} /></label>
      <button type="submit">${STRINGS.create}</button>
    </form>
    <ul class="choices">
      ${albums.map((a) => html`<li key=${a.id}><button type="button" class="quiet" onClick=${addTo(a)}>${STRINGS.album(a)}</button></li>`)}
    </ul>
  <//>`;
}
