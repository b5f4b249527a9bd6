// The viewer in Chromium against the real server: its toolbar's actions and Immich's keyboard
// shortcuts (each checked on the server's state through the API, and on the grid behind, which
// updates in place), the viewer moving on when the photo leaves the page's view, the trash's
// actions, the slideshow, the details edited (description, date and zone, place, rating) and shown
// again after a reload, the details as a column beside the photo at 1440x900 and a bottom sheet
// at 390x844, the actions left for someone else's photo and for a shared link's visitor, and a
// stack: one tile with its count, its other photo reached from the viewer's strip.
// Usage: node web-viewer.mjs <base-url> <compat-dir> <screenshot-dir> <setup JSON>
//   setup: { album: Bob's album shared with the admin, bobs: its photo, linkKey: a link to one
//   of the admin's photos that allows downloads }

import path from "node:path";
import fs from "node:fs";
import assert from "node:assert/strict";
import { launch, serveMapStyle, stepsOn } from "./browser.mjs";

const [base, compat, shots, setupJson] = process.argv.slice(2);
const setup = JSON.parse(setupJson);
fs.mkdirSync(shots, { recursive: true });
for (const f of fs.readdirSync(shots)) if (f.startsWith("viewer-")) fs.rmSync(path.join(shots, f));

const mapStyle = await serveMapStyle();

const browser = await launch(compat);
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
const { step, watch, finish } = stepsOn(page, shots, "viewer-");

/// `GET /api<path>` in the page (the session's cookie): status and JSON body.
const get = (p) =>
  page.evaluate(async (p) => {
    const r = await fetch(`/api${p}`);
    return { status: r.status, body: await r.json().catch(() => null) };
  }, p);
const assetOf = async (id) => (await get(`/assets/${id}`)).body;
/// Waits until `check(asset)` holds on the server (the action's request may still be on its way).
const serverSays = async (id, check, what) => {
  let last;
  for (let i = 0; i < 100; i++) {
    last = await get(`/assets/${id}`);
    if (check(last)) return last.body;
    await page.waitForTimeout(100);
  }
  assert.fail(`${what}: the server answers ${last.status} ${JSON.stringify(last.body)?.slice(0, 300)}`);
};
/// The ids of a timeline view, newest first (the grid's order).
const viewIds = (query) =>
  page.evaluate(async (query) => {
    const ids = [];
    for (const b of await (await fetch(`/api/timeline/buckets?${query}&order=desc`)).json()) {
      const month = await (await fetch(`/api/timeline/bucket?${query}&order=desc&timeBucket=${b.timeBucket}`)).json();
      ids.push(...month.id);
    }
    return ids;
  }, query);
const viewer = page.locator(".viewer");
const shownId = () => viewer.getAttribute("data-id");
/// Opens `id` by its address (over the timeline) and waits for its photo.
const open = async (id, address = `/photos/${id}`) => {
  await page.goto(`${base}${address}`);
  await photoShown(page, id);
};
const photoShown = (tab, id) =>
  tab.waitForFunction((id) => {
    const img = document.querySelector(`.viewer[data-id="${id}"] img.preview`);
    return img?.src.includes(`/assets/${id}/`) && img.complete && img.naturalWidth > 0;
  }, id);
/// The names of the toolbar's buttons, in order (the menu's items not included).
const toolbar = (tab = page) =>
  tab.evaluate(() => [...document.querySelectorAll(".viewer-bar .icon-button")].map((b) => b.getAttribute("aria-label")));
const menuItems = async (tab = page) => {
  await tab.locator(".viewer-bar").getByRole("button", { name: "More" }).click();
  const names = await tab.getByRole("menuitem").allTextContents();
  await tab.keyboard.press("Escape");
  await tab.getByRole("menu").waitFor({ state: "detached" });
  return names;
};
const button = (name) => page.locator(".viewer-bar").getByRole("button", { name, exact: true });
const menuItem = async (name) => {
  await button("More").click();
  await page.getByRole("menuitem", { name, exact: true }).click();
};
const confirmIn = (name) => page.locator("dialog[open]").getByRole("button", { name, exact: true }).click();

await step("sign in", async () => {
  await page.goto(base);
  await page.fill("input[name=email]", "admin@example.com");
  await page.fill("input[name=password]", "admin-password");
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length >= 4, null, { timeout: 60000 });
});

let ids = await viewIds("visibility=timeline");

await step("the owner's toolbar, and a small photo scaled up to the stage", async () => {
  assert.equal(ids.length, 8);
  await open(ids[0]);
  assert.deepEqual(await toolbar(), ["Close", "Share", "Download", "Edit", "Info", "Favorite", "Delete", "More"]);
  // Each button draws only its own icon (no stray shape from the selection bar's icon rule).
  const stray = await page.evaluate(() =>
    [...document.querySelectorAll(".viewer-bar .icon-button")]
      .filter((b) => getComputedStyle(b, "::before").content !== "none")
      .map((b) => b.getAttribute("aria-label")),
  );
  assert.deepEqual(stray, [], "buttons drawing something before their icon");
  await button("More").click();
  await page.screenshot({ path: path.join(shots, "viewer-menu.png") });
  await page.keyboard.press("Escape");
  assert.deepEqual(await menuItems(), ["Slideshow", "Add to album", "Archive", "Move to locked folder", "Delete permanently"]);
  // Escape closed the menu, not the viewer.
  assert.equal(await viewer.count(), 1);
  // The fixtures are 512 pixels wide: shown as large as the stage allows, keeping their shape.
  const fit = await page.evaluate(() => {
    const img = document.querySelector(".viewer img.preview");
    const box = img.getBoundingClientRect();
    const ratio = img.naturalWidth / img.naturalHeight;
    return { natural: img.naturalWidth, shown: Math.min(box.width, box.height * ratio), box: box.width, stage: document.querySelector(".viewer-stage").clientWidth };
  });
  assert.ok(fit.shown > fit.natural * 1.3, `shown ${fit.shown}px wide from ${fit.natural}px`);
  assert.equal(Math.round(fit.box), fit.stage);
});

await step("favorite by the button and unfavorite by f; the tile behind follows in place", async () => {
  await open(ids[1]);
  await page.evaluate(() => (window.gridBefore = document.querySelector(".vgrid")));
  await button("Favorite").click();
  await button("Unfavorite").waitFor();
  assert.equal(await button("Unfavorite").getAttribute("aria-pressed"), "true");
  await serverSays(ids[1], (r) => r.body.isFavorite === true, "favorite");
  await page.locator(`.tile[data-id="${ids[1]}"] .fav`).waitFor({ state: "attached" });
  await page.keyboard.press("f");
  await button("Favorite").waitFor();
  await serverSays(ids[1], (r) => r.body.isFavorite === false, "unfavorite");
  await page.locator(`.tile[data-id="${ids[1]}"] .fav`).waitFor({ state: "detached" });
  assert.ok(await page.evaluate(() => document.querySelector(".vgrid") === window.gridBefore), "the page was not drawn again");
  assert.equal(await shownId(), ids[1]);
});

await step("a archives: the photo leaves the timeline and the viewer shows the next", async () => {
  await open(ids[2]);
  await page.keyboard.press("a");
  await page.waitForFunction((id) => document.querySelector(".viewer").dataset.id !== id, ids[2]);
  assert.equal(await shownId(), ids[3], "the next photo");
  await serverSays(ids[2], (r) => r.body.visibility === "archive", "archived");
  await page.locator(`.tile[data-id="${ids[2]}"]`).waitFor({ state: "detached" });
  await photoShown(page, ids[3]);
});

await step("the archive's viewer unarchives; the emptied view says so", async () => {
  await page.goto(`${base}/archive`);
  await page.locator(`.tile[data-id="${ids[2]}"]`).click();
  await photoShown(page, ids[2]);
  await menuItem("Unarchive");
  await page.getByText("Nothing archived.").waitFor();
  await viewer.waitFor({ state: "detached" });
  await serverSays(ids[2], (r) => r.body.visibility === "timeline", "unarchived");
});

await step("Delete trashes and moves on; Shift+Delete deletes for good after confirming", async () => {
  await open(ids[3]);
  await page.keyboard.press("Delete");
  await page.waitForFunction((id) => document.querySelector(".viewer").dataset.id !== id, ids[3]);
  assert.equal(await shownId(), ids[4]);
  await serverSays(ids[3], (r) => r.body.isTrashed === true, "trashed");
  await photoShown(page, ids[4]);
  await page.keyboard.press("Shift+Delete");
  await page.locator("dialog[open]").getByText("permanently delete this asset").waitFor();
  // Cancelled: nothing happens.
  await confirmIn("Cancel");
  assert.equal((await assetOf(ids[4])).isTrashed, false);
  await page.keyboard.press("Shift+Delete");
  await confirmIn("Delete");
  await page.waitForFunction((id) => document.querySelector(".viewer").dataset.id !== id, ids[4]);
  await serverSays(ids[4], (r) => r.status !== 200, "deleted for good");
  assert.equal(await shownId(), ids[5]);
});

await step("the trash's viewer: restore and delete permanently only", async () => {
  await page.goto(`${base}/trash`);
  await page.locator(`.tile[data-id="${ids[3]}"]`).click();
  await photoShown(page, ids[3]);
  assert.deepEqual(await toolbar(), ["Close", "Download", "Info", "Restore", "Delete permanently"]);
  // Neither f nor a do anything here.
  await page.keyboard.press("f");
  await page.keyboard.press("a");
  // Delete here is for good, after confirming: cancelled.
  await page.keyboard.press("Delete");
  await page.locator("dialog[open]").getByText("permanently delete this asset").waitFor();
  await confirmIn("Cancel");
  await button("Restore").click();
  await page.getByText("The trash is empty.").waitFor();
  await viewer.waitFor({ state: "detached" });
  const restored = await serverSays(ids[3], (r) => r.body.isTrashed === false, "restored");
  assert.equal(restored.isFavorite, false);
  assert.equal(restored.visibility, "timeline");
});

ids = await viewIds("visibility=timeline");

await step("add to a new album and share from the viewer, which stays open", async () => {
  await open(ids[0]);
  await menuItem("Add to album");
  await page.fill("dialog input[name=albumName]", "From the viewer");
  await page.getByRole("button", { name: "Create and add" }).click();
  await page.locator("#toasts").getByText("Added to From the viewer").waitFor();
  assert.equal(await shownId(), ids[0]);
  const albums = (await get(`/albums?assetId=${ids[0]}`)).body;
  assert.deepEqual(albums.map((a) => a.albumName), ["From the viewer"]);
  // The details list it.
  await page.keyboard.press("i");
  await page.locator(".info .detail-albums a", { hasText: "From the viewer" }).waitFor();
  await page.keyboard.press("i");
  await button("Share").click();
  await page.getByRole("button", { name: "Create link" }).click();
  await page.locator(".share-url").waitFor();
  await page.locator("dialog").getByRole("button", { name: "Close" }).click();
  const links = (await get("/shared-links")).body;
  assert.ok(links.some((l) => l.type === "INDIVIDUAL" && l.assets.some((a) => a.id === ids[0])), "a link to the photo");
  assert.equal(await shownId(), ids[0]);
});

await step("on the album's page, the viewer removes the photo from the album", async () => {
  const [album] = (await get(`/albums?assetId=${ids[0]}`)).body;
  await page.goto(`${base}/albums/${album.id}`);
  await page.locator(`.tile[data-id="${ids[0]}"]`).click();
  await photoShown(page, ids[0]);
  await menuItem("Remove from album");
  // Its only photo: the viewer closes on the emptied album.
  await viewer.waitFor({ state: "detached" });
  await page.getByText("Nothing here yet.").waitFor();
  assert.deepEqual((await get(`/albums?assetId=${ids[0]}`)).body, []);
  assert.equal((await assetOf(ids[0])).isTrashed, false, "the photo stays in the library");
  await open(ids[0]);
});

await step("the download button fetches the original", async () => {
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("#download-original").click()]);
  const asset = await assetOf(ids[0]);
  assert.equal(download.suggestedFilename(), asset.originalFileName);
});

await step("s plays a slideshow through the grid's order; pause; Escape stops it", async () => {
  await open(ids[0]);
  await page.keyboard.press("s");
  await button("Pause slideshow").waitFor();
  await page.waitForFunction((id) => document.querySelector(".viewer").dataset.id === id, ids[1], { timeout: 12000 });
  await button("Pause slideshow").click();
  await button("Play slideshow").waitFor();
  await page.waitForTimeout(6000);
  assert.equal(await shownId(), ids[1], "paused");
  await page.keyboard.press("Escape");
  await button("Play slideshow").waitFor({ state: "detached" });
  assert.equal(await viewer.count(), 1, "Escape stopped the slideshow, not the viewer");
  await page.keyboard.press("Escape");
  await viewer.waitFor({ state: "detached" });
});

const edited = () => ids[1];
await step("the details: description, rating, date and zone, place; keys typed are not shortcuts", async () => {
  await open(edited());
  await page.keyboard.press("i");
  const description = page.getByRole("textbox", { name: "Description" });
  await description.click();
  // "f", "a", "s" and "i" typed here are text, not shortcuts.
  await description.fill("");
  await page.keyboard.type("fast asleep in the sun");
  await page.keyboard.press("Enter");
  let asset = await serverSays(edited(), (r) => r.body.exifInfo?.description === "fast asleep in the sun", "description");
  assert.equal(asset.isFavorite, false);
  assert.equal(asset.visibility, "timeline");
  await page.getByRole("button", { name: "4 stars" }).click();
  await serverSays(edited(), (r) => r.body.exifInfo?.rating === 4, "rating");
  await page.getByRole("button", { name: "Edit date and time" }).click();
  await page.locator(".info input[name=dateTime]").fill("2023-07-14T09:30");
  // Zones by name, with their offset at the chosen time (summer time in Berlin in July).
  const zone = page.getByRole("combobox", { name: "Time zone" });
  assert.ok(
    await page.locator("#zone-choices option[value='Europe/Berlin (+02:00)']").count(),
    "Berlin is offered with its summer offset",
  );
  await zone.fill("Nowhere/Atlantis");
  await page.locator(".info form").getByRole("button", { name: "Save" }).click();
  await page.getByRole("alert").getByText("Unknown time zone").waitFor();
  await zone.fill("Europe/Berlin (+02:00)");
  await page.locator(".info form").getByRole("button", { name: "Save" }).click();
  asset = await serverSays(edited(), (r) => r.body.localDateTime?.startsWith("2023-07-14T09:30:00"), "date");
  assert.equal(new Date(asset.exifInfo.dateTimeOriginal).toISOString(), "2023-07-14T07:30:00.000Z");
  assert.equal(asset.exifInfo.timeZone, "UTC+2");
  // A bare offset is accepted too; in January Berlin is an hour ahead of UTC, not two.
  await page.getByRole("button", { name: "Edit date and time" }).click();
  await page.locator(".info input[name=dateTime]").fill("2023-01-14T09:30");
  assert.ok(await page.locator("#zone-choices option[value='Europe/Berlin (+01:00)']").count(), "winter offset");
  await zone.fill("UTC-03:30");
  await page.locator(".info form").getByRole("button", { name: "Save" }).click();
  asset = await serverSays(edited(), (r) => r.body.localDateTime?.startsWith("2023-01-14T09:30:00"), "bare offset");
  assert.equal(new Date(asset.exifInfo.dateTimeOriginal).toISOString(), "2023-01-14T13:00:00.000Z");
  await page.getByRole("button", { name: "Edit date and time" }).click();
  await page.locator(".info input[name=dateTime]").fill("2023-07-14T09:30");
  await zone.fill("Europe/Berlin");
  await page.locator(".info form").getByRole("button", { name: "Save" }).click();
  asset = await serverSays(edited(), (r) => r.body.localDateTime?.startsWith("2023-07-14T09:30:00"), "date");
  assert.equal(new Date(asset.exifInfo.dateTimeOriginal).toISOString(), "2023-07-14T07:30:00.000Z");
  // The place is picked on a map drawn with the admin's map style (a local one here: no network).
  const config = (await get("/system-config")).body;
  config.map.lightStyle = config.map.darkStyle = mapStyle;
  const saved = await page.evaluate(
    (config) => fetch("/api/system-config", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(config) }).then((r) => r.status),
    config,
  );
  assert.equal(saved, 200);
  await page.getByRole("button", { name: "Edit place" }).click();
  await page.locator(".place-picker[data-status=ready]").waitFor();
  await page.getByRole("application", { name: /^Map/ }).click({ position: { x: 60, y: 40 } });
  await page.waitForFunction(() => document.querySelector(".info input[name=latitude]").value !== "");
  const picked = {
    lat: Number(await page.locator(".info input[name=latitude]").inputValue()),
    lon: Number(await page.locator(".info input[name=longitude]").inputValue()),
  };
  assert.ok(picked.lat > 0 && picked.lat <= 90 && picked.lon < 0 && picked.lon >= -180, `north-west of the centre: ${JSON.stringify(picked)}`);
  assert.equal(await page.locator(".place-picker .maplibregl-marker").count(), 1, "a marker where it was clicked");
  await page.locator(".info form").getByRole("button", { name: "Save" }).click();
  asset = await serverSays(edited(), (r) => r.body.exifInfo?.latitude === picked.lat, "place picked on the map");
  assert.equal(asset.exifInfo.longitude, picked.lon);
  // Typed by hand instead.
  await page.getByRole("button", { name: "Edit place" }).click();
  await page.locator(".info input[name=latitude]").fill("48.8584");
  await page.locator(".info input[name=longitude]").fill("2.2945");
  await page.locator(".info form").getByRole("button", { name: "Save" }).click();
  asset = await serverSays(edited(), (r) => r.body.exifInfo?.latitude === 48.8584, "place");
  assert.equal(asset.exifInfo.longitude, 2.2945);
});

await step("the details edited are shown after a reload, with the file's size", async () => {
  await page.reload();
  await photoShown(page, edited());
  await page.keyboard.press("i");
  assert.equal(await page.getByRole("textbox", { name: "Description" }).inputValue(), "fast asleep in the sun");
  assert.equal(await page.getByRole("button", { name: "4 stars" }).getAttribute("aria-pressed"), "true");
  const taken = await page.locator(".info .taken").textContent();
  assert.match(taken, /2023/);
  assert.match(taken, /9:30|09:30/);
  assert.match(taken, /UTC\+0?2/);
  await page.locator(".info dd", { hasText: "48.85840, 2.29450" }).waitFor();
  const asset = await assetOf(edited());
  const bytes = await page.evaluate((n) => `${n.toLocaleString()} bytes`, asset.exifInfo.fileSizeInByte);
  await page.locator(".info dd", { hasText: bytes }).waitFor();
  await page.locator(".info dd", { hasText: `${asset.exifInfo.exifImageWidth} × ${asset.exifInfo.exifImageHeight}` }).waitFor();
});

await step("the map: photos with a place, clustered; a cluster lists its photos and one opens in the viewer", async () => {
  const ids = (await viewIds("visibility=timeline")).slice(0, 3);
  const status = await page.evaluate(
    (body) => fetch("/api/assets", { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.status),
    { ids, latitude: 45.764, longitude: 4.8357 },
  );
  assert.equal(status, 204);
  const withPlace = (await get("/map/markers")).body.length;
  assert.ok(withPlace >= 3, `${withPlace} markers`);
  await page.goto(`${base}/map`);
  await page.getByRole("status").filter({ hasText: `${withPlace} photos with a place` }).waitFor();
  // Zoomed out, the photos near each other are one cluster, its count a button.
  const cluster = page.getByRole("button", { name: /^\d+ photos here$/ }).first();
  await cluster.waitFor();
  const n = parseInt(await cluster.getAttribute("aria-label"), 10);
  assert.ok(n >= 3, `a cluster of ${n}`);
  await cluster.click();
  const panel = page.getByRole("complementary", { name: "Photos here" });
  await panel.waitFor();
  assert.equal(await panel.getByRole("button", { name: "Open photo" }).count(), n);
  await panel.getByRole("button", { name: "Open photo" }).first().click();
  await page.locator(".viewer img.preview").waitFor();
  await page.keyboard.press("Escape");
  await page.locator(".viewer").waitFor({ state: "detached" });
  assert.equal(new URL(page.url()).pathname, "/map", "back on the map");
  // A filter asks the server again.
  const favourites = (await get("/map/markers?isFavorite=true")).body.length;
  await page.getByRole("checkbox", { name: "Favorites only" }).check();
  await page.getByRole("status").filter({ hasText: `${favourites === 1 ? "1 photo" : `${favourites} photos`} with a place` }).waitFor();
  // Back to the edited photo with its details, where the next steps look.
  await open(edited());
  await page.keyboard.press("i");
  await page.locator(".viewer .info").waitFor();
});

await step("1440x900: the details are a column beside the photo; Next stays visible", async () => {
  const boxes = await page.evaluate(() => {
    const r = (s) => document.querySelector(s).getBoundingClientRect().toJSON();
    const next = r(".viewer .nav.next");
    const hit = document.elementFromPoint(next.x + next.width / 2, next.y + next.height / 2);
    return { info: r(".viewer .info"), next, img: r(".viewer img.preview"), nextOnTop: Boolean(hit?.closest(".nav.next")) };
  });
  assert.ok(boxes.next.right <= boxes.info.left, `Next (right ${boxes.next.right}) under the details (left ${boxes.info.left})`);
  assert.ok(boxes.img.right <= boxes.info.left + 1, "the photo shrinks beside the details");
  assert.ok(boxes.nextOnTop, "Next can be clicked");
  assert.equal(Math.round(boxes.info.height), 900);
  // Next still steps with the details open.
  await page.locator(".viewer .nav.next").click();
  await page.waitForFunction((id) => document.querySelector(".viewer").dataset.id !== id, edited());
  await page.locator(".info h2", { hasText: "Details" }).waitFor();
});

await step("390x844: the details are a bottom sheet; the toolbar fits", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(edited());
  await page.keyboard.press("i");
  await page.locator(".info h2", { hasText: "Details" }).waitFor();
  const boxes = await page.evaluate(() => {
    const r = (s) => document.querySelector(s).getBoundingClientRect().toJSON();
    const next = r(".viewer .nav.next");
    const hit = document.elementFromPoint(next.x + next.width / 2, next.y + next.height / 2);
    const buttons = [...document.querySelectorAll(".viewer-bar .icon-button")].map((b) => b.getBoundingClientRect().toJSON());
    return { info: r(".viewer .info"), next, nextOnTop: Boolean(hit?.closest(".nav.next")), buttons };
  });
  assert.equal(Math.round(boxes.info.bottom), 844);
  assert.equal(Math.round(boxes.info.width), 390);
  assert.ok(boxes.info.top >= 844 * 0.4, `the sheet starts at ${boxes.info.top}`);
  assert.ok(boxes.next.bottom <= boxes.info.top && boxes.nextOnTop, "Next above the sheet");
  for (const b of boxes.buttons) {
    assert.ok(b.right <= 390 && b.width >= 44 && b.height >= 44, `toolbar button ${JSON.stringify(b)}`);
  }
  await page.screenshot({ path: path.join(shots, "viewer-phone-sheet.png") });
  await page.setViewportSize({ width: 1440, height: 900 });
});

await step("someone else's photo in a shared album: no owner's actions, details read-only", async () => {
  await page.goto(`${base}/albums/${setup.album}`);
  await page.locator(`.tile[data-id="${setup.bobs}"]`).click();
  await photoShown(page, setup.bobs);
  assert.deepEqual(await toolbar(), ["Close", "Download", "Info", "More"]);
  assert.deepEqual(await menuItems(), ["Slideshow"]);
  await page.keyboard.press("f");
  await page.keyboard.press("Delete");
  await page.keyboard.press("i");
  await page.locator(".info h2", { hasText: "Details" }).waitFor();
  assert.equal(await page.locator(".info textarea, .info button").count(), 0, "nothing to edit");
  const bobs = await assetOf(setup.bobs);
  assert.equal(bobs.isFavorite, false);
  assert.equal(bobs.isTrashed, false);
});

await step("a shared link's visitor: download and info only", async () => {
  const guest = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const visitor = await guest.newPage();
  watch(visitor, "visitor ");
  await visitor.goto(`${base}/share/${setup.linkKey}`);
  await visitor.locator(".tile").first().click();
  const id = await visitor.locator(".viewer").getAttribute("data-id");
  await photoShown(visitor, id);
  assert.deepEqual(await toolbar(visitor), ["Close", "Download", "Info"]);
  await visitor.keyboard.press("f");
  await visitor.keyboard.press("a");
  await visitor.keyboard.press("Delete");
  await visitor.keyboard.press("i");
  await visitor.locator(".info h2", { hasText: "Details" }).waitFor();
  assert.equal(await visitor.locator(".info textarea, .info button").count(), 0, "nothing to edit");
  await visitor.screenshot({ path: path.join(shots, "viewer-visitor.png") });
  await guest.close();
  const asset = await assetOf(id);
  assert.equal(asset.isFavorite, false);
  assert.equal(asset.isTrashed, false);
  assert.equal(asset.visibility, "timeline");
});

await step("a stack is one tile with its count; the viewer's strip opens its other photo", async () => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const [top, other] = await viewIds("visibility=timeline");
  const made = await page.evaluate(async (assetIds) => {
    const r = await fetch("/api/stacks", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ assetIds }) });
    return { status: r.status, body: await r.json() };
  }, [top, other]);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  await page.goto(`${base}/photos`);
  const tile = page.locator(`.tile[data-id="${top}"]`);
  await tile.locator(".badge.stack", { hasText: "2" }).waitFor();
  assert.equal(await page.locator(`.tile[data-id="${other}"]`).count(), 0, "the stack's other photo has no tile");
  await tile.click();
  await photoShown(page, top);
  const thumbs = page.locator(".viewer .stack-strip button");
  await page.waitForFunction(() => document.querySelectorAll(".viewer .stack-strip button").length === 2);
  assert.equal(await thumbs.nth(0).getAttribute("aria-current"), "true", "the primary first, marked as shown");
  await page.screenshot({ path: path.join(shots, "viewer-stack.png") });
  await thumbs.nth(1).click();
  await photoShown(page, other);
  await page.keyboard.press("Escape");
  await viewer.waitFor({ state: "detached" });
  const gone = await page.evaluate(async (id) => (await fetch(`/api/stacks/${id}`, { method: "DELETE" })).status, made.body.id);
  assert.equal(gone, 204);
});

await finish(browser);
