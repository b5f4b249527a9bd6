// A partner's photos (/partners/<id>): the timeline of someone who shares their library with the
// user (`userId` on the timeline, Immich's partner page). Read-only: the selection and the
// viewer offer what works on someone else's photos (download, add to one's album, share).

import { api } from "/api.js";
import { scrubber } from "/grid.js";
import { el } from "/dom.js";
import { setTitle } from "/ui.js";
import { app, state } from "/state.js";
import { toast } from "/components/toast.js";
import { header } from "/components/header.js";
import { monthSections, showGrid } from "/components/photo-grid.js";

export const STRINGS = {
  title: (name) => `${name}'s photos`,
  notPartner: "This user does not share their photos with you.",
  empty: "No photos yet.",
  cannotLoad: (message) => `Cannot load the photos: ${message}`,
};

export async function partnerPage(id) {
  state.scope = { partnerId: id };
  const timeline = el("section", { class: "timeline", id: "timeline" });
  const main = el("main", { class: "photos" }, timeline);
  app.replaceChildren(header(), main);
  let partner;
  try {
    partner = (await api("GET", "/partners?direction=shared-with")).find((p) => p.id === id);
  } catch (err) {
    toast(STRINGS.cannotLoad(err.message), "error");
    return;
  }
  if (!partner) {
    timeline.append(el("p", { class: "empty" }, STRINGS.notPartner));
    return;
  }
  setTitle(STRINGS.title(partner.name));
  timeline.append(el("h1", { class: "view-title" }, STRINGS.title(partner.name)));
  let sections;
  try {
    sections = await monthSections(`userId=${encodeURIComponent(id)}&visibility=timeline&order=desc`);
  } catch (err) {
    toast(STRINGS.cannotLoad(err.message), "error");
    return;
  }
  if (!sections.length) timeline.append(el("p", { class: "empty" }, STRINGS.empty));
  main.append(scrubber(showGrid(timeline, sections)));
}
