// Finding photos in Chromium against the real server: a search from the header's box by file
// name, narrowed by a camera filter (its lists narrowed by each other), pages of results grown on
// scroll, a result opening the viewer and Back; explore's card of a city opening its search; tags
// made and put on a photo from the selection bar, shown in the viewer's details and on the tags
// page (tree, breadcrumbs, recolour, create, delete); the folders of the uploads and a folder's
// photos. Each result is checked against the API.
// Usage: node web-find.mjs <base-url> <compat-dir> <screenshot-dir> <setup JSON>
//   setup: { city: the city of the five geotagged photos, falcon: prairie_falcon.jpg's id }

import fs from "node:fs";
import assert from "node:assert/strict";
import { launch, stepsOn } from "./browser.mjs";

const [base, compat, shots, setupJson] = process.argv.slice(2);
const setup = JSON.parse(setupJson);
fs.rmSync(shots, { recursive: true, force: true });
fs.mkdirSync(shots, { recursive: true });

const browser = await launch(compat);
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
const { step, finish } = stepsOn(page, shots, "find-");

/// `method /api<path>` in the page (the session's cookie): the JSON answer.
const call = (method, p, body) =>
  page.evaluate(async ([method, p, body]) => {
    const r = await fetch(`/api${p}`, { method, headers: { "content-type": "application/json" }, body: body && JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }, [method, p, body]);
/// The ids of the tiles in the page, in order.
const tileIds = () => page.evaluate(() => [...document.querySelectorAll(".vgrid .tile")].map((t) => t.dataset.id));
const tilesAre = (n) => page.waitForFunction((n) => document.querySelectorAll(".vgrid .tile").length === n, n, { timeout: 30000 });
const query = () => JSON.parse(new URL(page.url()).searchParams.get("query"));

await step("sign in", async () => {
  await page.goto(base);
  await page.fill("input[name=email]", "admin@example.com");
  await page.fill("input[name=password]", "admin-password");
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length >= 5, null, { timeout: 60000 });
});

await step("the header's search box finds photos by file name", async () => {
  const box = page.getByRole("searchbox", { name: "Search your photos" });
  await box.fill("jpg");
  await box.press("Enter");
  await page.waitForURL(/\/search\?query=/);
  assert.deepEqual(query(), { originalFileName: "jpg" });
  await page.waitForFunction(() => document.title === "Search – Ferrotype");
  await tilesAre(5);
  await box.fill("prairie");
  await box.press("Enter");
  await tilesAre(1);
  assert.deepEqual(await tileIds(), [setup.falcon]);
  assert.equal(await box.inputValue(), "prairie", "the box shows the search shown");
});

await step("a result opens the viewer; Back closes it, then shows the search before", async () => {
  await page.locator(".vgrid .tile").first().click();
  await page.locator(`.viewer[data-id="${setup.falcon}"]`).waitFor();
  await page.goBack();
  await page.locator(".viewer").waitFor({ state: "detached" });
  assert.deepEqual(query(), { originalFileName: "prairie" });
  await tilesAre(1);
  await page.goBack();
  await page.waitForFunction(() => new URL(location.href).searchParams.get("query")?.includes('"jpg"'));
  await tilesAre(5);
});

await step("a camera filter narrows the search; each list narrowed by the others", async () => {
  await page.locator(".search-details > summary").click();
  const make = page.locator("select[name=make]");
  await page.waitForFunction(() => [...document.querySelectorAll("select[name=make] option")].some((o) => o.value === "Canon"));
  const makes = await make.locator("option").evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(makes, ["", ...(await call("GET", "/search/suggestions?type=camera-make"))]);
  assert.ok(makes.includes("NIKON CORPORATION"), makes.join());
  await make.selectOption("Canon");
  // The models of that make only.
  await page.waitForFunction(() => [...document.querySelectorAll("select[name=model] option")].map((o) => o.value).join() === ",Canon EOS R5");
  await page.locator(".search-filters button[type=submit]").click();
  await page.waitForURL((url) => url.searchParams.get("query")?.includes("Canon"));
  assert.deepEqual(query(), { originalFileName: "jpg", make: "Canon" });
  await tilesAre(1);
  assert.deepEqual(await tileIds(), [setup.falcon]);
});

await step("results come a page at a time as the grid is scrolled", async () => {
  await page.goto(`${base}/search?query=${encodeURIComponent(JSON.stringify({ originalFileName: "jpg", size: 2 }))}`);
  // The first page does not fill the screen: the next ones follow until the last.
  await tilesAre(5);
  const all = (await call("POST", "/search/metadata", { originalFileName: "jpg" })).assets.items.map((a) => a.id);
  assert.deepEqual(await tileIds(), all, "the server's order, every page once");
});

await step("explore: the city's card opens a search for the city", async () => {
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Explore" }).click();
  const card = page.locator(".place-card", { hasText: setup.city });
  await card.waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll(".place-card img, .recent-photo img")].every((i) => i.complete && i.naturalWidth > 0));
  await page.screenshot({ path: `${shots}/explore.png` });
  await card.click();
  await page.waitForURL(/\/search\?query=/);
  assert.deepEqual(query(), { city: setup.city });
  await tilesAre(5);
  await page.locator(".search-details > summary").click();
  assert.equal(await page.locator("select[name=city]").inputValue(), setup.city, "the filter shows the city");
});

await step("tags: made and put on a photo from the selection bar, shown in its details", async () => {
  // The fixture's own keywords are tags already (read from its file).
  const before = (await call("GET", `/assets/${setup.falcon}`)).tags.map((t) => t.value);
  await page.goto(`${base}/photos`);
  await page.locator(`.tile[data-id="${setup.falcon}"] .check`).click({ force: true });
  await page.getByRole("toolbar", { name: "Selection" }).getByRole("button", { name: "Tag", exact: true }).click();
  const dialog = page.locator("dialog[open]");
  await dialog.locator("input[name=newTags]").fill("Trips/Utah, Raptor shots");
  await dialog.getByRole("button", { name: "Tag", exact: true }).click();
  await dialog.waitFor({ state: "detached" });
  const asset = await call("GET", `/assets/${setup.falcon}`);
  const after = [...before, "Raptor shots", "Trips/Utah"].sort();
  assert.deepEqual(asset.tags.map((t) => t.value).sort(), after);
  assert.equal(await page.locator(".selection").count(), 0, "the selection is cleared");
  // Chosen among the existing tags for a second photo.
  const other = (await tileIds()).find((id) => id !== setup.falcon);
  await page.locator(`.tile[data-id="${other}"] .check`).click({ force: true });
  await page.getByRole("toolbar", { name: "Selection" }).getByRole("button", { name: "Tag", exact: true }).click();
  await dialog.locator("label", { hasText: "Trips/Utah" }).click();
  await dialog.getByRole("button", { name: "Tag", exact: true }).click();
  await dialog.waitFor({ state: "detached" });
  assert.ok((await call("GET", `/assets/${other}`)).tags.some((t) => t.value === "Trips/Utah"));
  await page.locator(`.tile[data-id="${setup.falcon}"]`).click();
  await page.locator(".viewer").waitFor();
  await page.keyboard.press("i");
  const tags = page.locator(".info .detail-tags a");
  await tags.first().waitFor();
  assert.deepEqual((await tags.allTextContents()).sort(), after);
  await page.screenshot({ path: `${shots}/viewer-tags.png` });
  // A tag in the details opens its page.
  await tags.filter({ hasText: "Trips/Utah" }).click();
  await page.waitForURL(/\/tags\?id=/);
  await tilesAre(2);
});

await step("the tags page: tree, breadcrumbs, recolour, create and delete", async () => {
  const tree = page.getByRole("navigation", { name: "All tags" });
  // Every tag once, each under its parent (Utah inside Trips).
  const all = await call("GET", "/tags");
  // The page may be drawn again meanwhile (a live event after the tagging): wait for the tree
  // to hold every tag rather than read it once.
  const treeHolds = (expected) =>
    page.waitForFunction(
      (names) =>
        JSON.stringify([...document.querySelectorAll("nav[aria-label='All tags'] a")].map((a) => a.textContent).sort()) ===
        JSON.stringify(names),
      expected,
    );
  await treeHolds(all.map((t) => t.name).sort());
  assert.equal(await tree.locator("li:has(> a:text-is('Trips')) > ul > li > a").textContent(), "Utah");
  assert.equal(await tree.locator("a[aria-current=page]").textContent(), "Utah");
  const crumbs = page.getByRole("navigation", { name: "Tag path" });
  assert.deepEqual(await crumbs.locator("li").allTextContents(), ["Tags", "Trips", "Utah"]);
  await page.locator("input[type=color][name=color]").evaluate((i) => {
    i.value = "#d02050";
    i.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await page.getByRole("button", { name: "Save colour" }).click();
  await page.locator(".view-title .tag-swatch").waitFor();
  const utah = (await call("GET", "/tags")).find((t) => t.value === "Trips/Utah");
  assert.equal(utah.color, "#d02050");
  // Up to the parent: the tag inside it listed.
  await crumbs.getByRole("link", { name: "Trips" }).click();
  await page.getByRole("navigation", { name: "Tags inside" }).getByRole("link", { name: "Utah" }).waitFor();
  // A new tag inside this one.
  await page.getByRole("button", { name: "Create tag" }).click();
  const dialog = page.locator("dialog[open]");
  assert.equal(await dialog.locator("input[name=name]").inputValue(), "Trips/");
  await dialog.locator("input[name=name]").fill("Trips/Nevada");
  await dialog.getByRole("button", { name: "Create tag" }).click();
  await page.waitForFunction(() => document.querySelector(".view-title")?.textContent === "Trips/Nevada");
  assert.ok((await call("GET", "/tags")).some((t) => t.value === "Trips/Nevada"));
  await page.getByText("No photos with this tag.").waitFor();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.locator("dialog[open]").getByRole("button", { name: "Delete", exact: true }).click();
  await page.waitForURL(`${base}/tags`);
  assert.ok(!(await call("GET", "/tags")).some((t) => t.value === "Trips/Nevada"));
  await treeHolds(all.map((t) => t.name).sort());
});

await step("folders: the uploads' folders, a folder's photos, breadcrumbs", async () => {
  await page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name: "Folders" }).click();
  const paths = await call("GET", "/view/folder/unique-paths");
  const falcon = await call("GET", `/assets/${setup.falcon}`);
  const folder = falcon.originalPath.slice(0, falcon.originalPath.lastIndexOf("/"));
  assert.ok(paths.includes(folder), `${folder} in ${paths.join()}`);
  const tree = page.getByRole("navigation", { name: "All folders" });
  await tree.locator("a").first().waitFor();
  // Every level of every path is in the tree.
  const shown = await tree.locator("a").evaluateAll((as) => as.map((a) => new URL(a.href).searchParams.get("path")));
  for (const p of paths) assert.ok(shown.includes(p), `${p} listed`);
  await tree.locator(`a[href="/folders?path=${encodeURIComponent(folder)}"]`).click();
  await page.waitForURL((url) => url.searchParams.get("path") === folder);
  const inFolder = (await call("GET", `/view/folder?path=${encodeURIComponent(folder)}`)).map((a) => a.id);
  assert.ok(inFolder.includes(setup.falcon));
  await tilesAre(inFolder.length);
  assert.deepEqual(await tileIds(), inFolder);
  const parts = folder.split("/");
  const crumbs = page.getByRole("navigation", { name: "Folder path" });
  assert.deepEqual(await crumbs.locator("li").allTextContents(), ["Folders", ...parts]);
  // Up one level by the breadcrumbs: the folder is listed inside its parent.
  await crumbs.getByRole("link", { name: parts[parts.length - 2], exact: true }).click();
  await page.getByRole("navigation", { name: "Folders inside" }).getByRole("link", { name: parts[parts.length - 1], exact: true }).click();
  await page.waitForURL((url) => url.searchParams.get("path") === folder);
  await tilesAre(inFolder.length);
  await page.locator(".vgrid .tile").first().click();
  await page.locator(".viewer").waitFor();
});

await finish(browser);
