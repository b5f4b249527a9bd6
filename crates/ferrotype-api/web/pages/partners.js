// A partner's photos (/partners/<id>): the timeline of someone who shares their library with the
// user (`userId` on the timeline, Immich's partner page). Read-only: the selection and the
// viewer offer what works on someone else's photos (download, add to one's album, share).

import { useEffect, useState } from "preact/hooks";
import { api } from "/api.js";
import { html, setTitle, showPage } from "/ui.js";
import { state } from "/state.js";
import { toast } from "/components/toast.js";
import { Header } from "/components/header.js";
import { PhotosMain } from "/components/photos-main.js";
import { monthSections } from "/components/photo-grid.js";

export const STRINGS = {
  title: (name) => `${name}'s photos`,
  notPartner: "This user does not share their photos with you.",
  empty: "No photos yet.",
  cannotLoad: (message) => `Cannot load the photos: ${message}`,
};

export function partnerPage(id) {
  state.scope = { partnerId: id };
  showPage(html`<${Header} /><${Partner} id=${id} />`);
}

function Partner({ id }) {
  // undefined while asked, null when this user is not a partner.
  const [partner, setPartner] = useState(undefined);
  useEffect(() => {
    api("GET", "/partners?direction=shared-with").then(
      (partners) => setPartner(partners.find((p) => p.id === id) || null),
      (err) => toast(STRINGS.cannotLoad(err.message), "error"),
    );
  }, []);
  if (partner === undefined) return html`<main class="photos"><section class="timeline" id="timeline"></section></main>`;
  if (!partner) return html`<main class="photos"><section class="timeline" id="timeline"><p class="empty">${STRINGS.notPartner}</p></section></main>`;
  setTitle(STRINGS.title(partner.name));
  return html`<${PhotosMain} sections=${() => monthSections(`userId=${encodeURIComponent(id)}&visibility=timeline&order=desc`)}
      empty=${STRINGS.empty} cannotLoad=${STRINGS.cannotLoad}>
    <h1 class="view-title">${STRINGS.title(partner.name)}</h1>
  <//>`;
}
