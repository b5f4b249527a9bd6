// Every page of the web UI at a desktop's size (1440x900) and a phone's (390x844, touch), in the
// light and the dark theme, against the real server: a screenshot of each, and on each:
// - no horizontal overflow (the page is never wider than the screen);
// - on the phone, no visible tappable element under 44x44 px (the size touch guidelines ask);
// - no console errors;
// - axe-core (the accessibility checker, from npm) finds no serious or critical violation.
// The library it walks (users, photos, an album, a shared link) is made through the API first.
// Every page address of app.js's `pages()` table must be walked: a new page fails this walk
// until it is added to PAGES below.
// Usage: node web-walk.mjs <base-url> <compat-dir> <screenshot-dir> <photo>...

import path from "node:path";
import fs from "node:fs";
import assert from "node:assert/strict";
import { launch, serveMapStyle } from "./browser.mjs";

const [base, compat, shots, ...photos] = process.argv.slice(2);
fs.rmSync(shots, { recursive: true, force: true });
fs.mkdirSync(shots, { recursive: true });
const axeSource = path.join(compat, "node_modules/axe-core/axe.min.js");

const SIZES = [
  { name: "desktop", viewport: { width: 1440, height: 900 } },
  { name: "phone", viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true },
];
const THEMES = ["light", "dark"];
const MIN_TARGET = 44;

let passed = 0;
let failed = 0;

// ---- the library, through the API (fetch with the admin's token).
let token = null;
async function call(method, route, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const res = await fetch(`${base}/api${route}`, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function upload(file) {
  const form = new FormData();
  const now = new Date().toISOString();
  form.append("deviceAssetId", `walk-${path.basename(file)}`);
  form.append("deviceId", "WALK");
  form.append("fileCreatedAt", now);
  form.append("fileModifiedAt", now);
  form.append("assetData", new Blob([fs.readFileSync(file)]), path.basename(file));
  return (await call("POST", "/assets", form)).id;
}

/// Waits until the thumbnails of `ids` exist (made in the background after an upload).
async function thumbnailsOf(ids) {
  const until = Date.now() + 120_000;
  for (const id of ids) {
    for (;;) {
      const res = await fetch(`${base}/api/assets/${id}/thumbnail?size=thumbnail`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (res.ok) break;
      if (Date.now() > until) throw new Error(`no thumbnail for ${id}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

// ---- the checks on the page shown.

/// Visible tappable elements smaller than MIN_TARGET on either side (a checkbox or radio inside
/// its label counts as its label; what ignores the pointer is not tappable).
function smallTargets(min) {
  const found = [];
  const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], label";
  for (const node of document.querySelectorAll(selector)) {
    const box = node.type === "checkbox" || node.type === "radio" ? node.closest("label") : null;
    if (box) continue;
    if (node.tagName === "LABEL" && !["checkbox", "radio"].includes(node.control?.type)) continue;
    if (!node.checkVisibility({ visibilityProperty: true })) continue;
    if (getComputedStyle(node).pointerEvents === "none") continue;
    // Visually hidden (clipped to nothing, for screen readers; a file input behind its label).
    if (getComputedStyle(node).clip === "rect(0px, 0px, 0px, 0px)") continue;
    const r = node.getBoundingClientRect();
    if (!r.width || !r.height) continue;
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const name = (node.getAttribute("aria-label") || node.textContent || node.getAttribute("name") || "").trim().replace(/\s+/g, " ").slice(0, 40);
      const classes = node.className && typeof node.className === "string" ? `.${node.className.trim().split(/\s+/).join(".")}` : "";
      found.push(`${node.tagName.toLowerCase()}${classes} "${name}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return found;
}

/// Tabs through the page from its start (at most `presses` times): every element the keyboard
/// reaches must show a focus ring (an outline of 2 px or more). The names of those without.
async function focusWithoutRing(tab, presses) {
  await tab.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  const missing = new Set();
  const seen = new Set();
  for (let i = 0; i < presses; i++) {
    await tab.keyboard.press("Tab");
    const focused = await tab.evaluate(() => {
      const node = document.activeElement;
      if (!node || node === document.body) return null;
      const style = getComputedStyle(node);
      const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
      const name = (node.getAttribute("aria-label") || node.textContent || node.getAttribute("name") || "").trim().replace(/\s+/g, " ").slice(0, 40);
      return { key: `${node.tagName.toLowerCase()} "${name}"`, ring, id: node.dataset.walk || (node.dataset.walk = String(Math.random())) };
    });
    if (!focused) continue;
    // Back at an element seen already: the keyboard went round.
    if (seen.has(focused.id)) break;
    seen.add(focused.id);
    if (!focused.ring) missing.add(focused.key);
  }
  return [...missing];
}

/// Visible tappable elements out of the screen sideways (a bar wider than the phone, a button
/// pushed off its edge), unless a box that scrolls or clips sideways holds them (a wide table).
function offScreenSideways() {
  const found = [];
  for (const node of document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, [role=button]")) {
    if (!node.checkVisibility({ visibilityProperty: true })) continue;
    const r = node.getBoundingClientRect();
    if (!r.width || (r.left >= -1 && r.right <= innerWidth + 1)) continue;
    let box = node.parentElement;
    while (box && box !== document.body && getComputedStyle(box).overflowX === "visible") box = box.parentElement;
    if (box && box !== document.body) continue;
    const name = (node.getAttribute("aria-label") || node.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40);
    found.push(`${node.tagName.toLowerCase()} "${name}" from ${Math.round(r.left)} to ${Math.round(r.right)}px`);
  }
  return found;
}

async function check(tab, size, errors, keyboard, expect) {
  const problems = [];
  const sideways = await tab.evaluate(offScreenSideways);
  if (sideways.length) problems.push(`off the screen sideways:\n    ${sideways.join("\n    ")}`);
  if (expect) {
    try {
      await expect(tab, size);
    } catch (e) {
      problems.push(`${e.message}`);
    }
  }
  if (keyboard) {
    const missing = await focusWithoutRing(tab, 40);
    if (missing.length) problems.push(`focused without a visible ring:\n    ${missing.join("\n    ")}`);
  }
  const width = await tab.evaluate(() => document.scrollingElement.scrollWidth);
  if (width > size.viewport.width) problems.push(`wider than the screen: ${width}px for ${size.viewport.width}px`);
  if (size.name === "phone") {
    const small = await tab.evaluate(smallTargets, MIN_TARGET);
    if (small.length) problems.push(`tappable elements under ${MIN_TARGET}x${MIN_TARGET}px:\n    ${[...new Set(small)].join("\n    ")}`);
  }
  if (!(await tab.evaluate(() => typeof window.axe === "object"))) await tab.addScriptTag({ path: axeSource });
  const violations = await tab.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.slice(0, 6).map((n) => `      ${n.target.join(" ")}: ${n.failureSummary.replace(/\s+/g, " ").slice(0, 240)}`).join("\n")}`);
  });
  if (violations.length) problems.push(`accessibility (axe-core):\n    ${violations.join("\n    ")}`);
  if (errors.length) problems.push(`console errors:\n    ${errors.splice(0).join("\n    ")}`);
  return problems;
}

/// A tab of `context` whose page errors are collected.
async function tabOf(context) {
  const tab = await context.newPage();
  tab.errors = [];
  tab.on("pageerror", (e) => tab.errors.push(`page error: ${e.message}`));
  tab.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && tab.errors.push(m.text()));
  return tab;
}

/// Shows `page` (its `show` on `tab`), then for each theme: a screenshot and the checks.
async function visit(tab, size, page) {
  let problems = [];
  try {
    await tab.emulateMedia({ colorScheme: "light" });
    await page.show(tab);
  } catch (e) {
    problems.push(`could not show the page: ${e.stack || e}`);
  }
  for (const theme of THEMES) {
    const name = `${page.name} ${size.name} ${theme}`;
    let themeProblems = [...problems];
    try {
      await tab.emulateMedia({ colorScheme: theme });
      // Let transitions and pending thumbnails settle before the picture.
      await tab.waitForTimeout(150);
      await tab.screenshot({ path: path.join(shots, `${page.name.replace(/\W+/g, "-")}-${size.name}-${theme}.png`) });
      // The keyboard walk once per page, on the desktop (its screenshot is taken before).
      themeProblems.push(...(await check(tab, size, tab.errors, size.name === "desktop" && theme === THEMES[0], page.expect)));
    } catch (e) {
      themeProblems.push(`${e.stack || e}`);
    }
    if (themeProblems.length) {
      failed++;
      console.log(`FAIL ${name}:\n  ${themeProblems.join("\n  ")}`);
    } else {
      passed++;
      console.log(`ok   ${name}`);
    }
    problems = [];
  }
}

const tiles = (n) => (tab) => tab.waitForFunction((n) => document.querySelectorAll(".tile.loaded").length >= n, n, { timeout: 60000 });
const heading = (name) => (tab) => tab.getByRole("heading", { name }).first().waitFor();
const go = (address, ...ready) => async (tab) => {
  await tab.goto(`${base}${address}`);
  for (const r of ready) await r(tab);
};

const browser = await launch(compat);

// ---- before the first user: the first run's sign-up page.
for (const size of SIZES) {
  const context = await browser.newContext(size);
  await visit(await tabOf(context), size, { name: "welcome", show: go("/", heading("Welcome to Ferrotype")) });
  await context.close();
}

await call("POST", "/auth/admin-sign-up", { name: "Ada", email: "ada@example.com", password: "a good password" });
token = (await call("POST", "/auth/login", { email: "ada@example.com", password: "a good password" })).accessToken;
await call("POST", "/admin/users", { name: "Bob", email: "bob@example.com", password: "bob password" });
const ids = [];
for (const photo of photos) ids.push(await upload(photo));
await thumbnailsOf(ids);
const [favourite, archived, trashed, inAlbum] = ids;
await call("PUT", "/assets", { ids: [favourite], isFavorite: true });
await call("PUT", "/assets", { ids: [archived], visibility: "archive" });
await call("DELETE", "/assets", { ids: [trashed] });
const album = await call("POST", "/albums", { albumName: "Walk in the park", description: "Photos of a walk", assetIds: [favourite, inAlbum] });
const bob = (await call("GET", "/admin/users")).find((u) => u.email === "bob@example.com");
await call("PUT", `/albums/${album.id}/users`, { albumUsers: [{ userId: bob.id, role: "viewer" }] });
// Bob shares his library (one photo) with Ada: his partner page.
{
  const adaToken = token;
  const adaId = (await call("GET", "/users/me")).id;
  token = (await call("POST", "/auth/login", { email: "bob@example.com", password: "bob password" })).accessToken;
  await thumbnailsOf([await upload(photos[4])]);
  await call("POST", "/partners", { sharedWithId: adaId });
  token = adaToken;
}
const link = await call("POST", "/shared-links", { type: "ALBUM", albumId: album.id, allowDownload: true, allowUpload: true, showMetadata: true });
await call("POST", "/shared-links", { type: "INDIVIDUAL", assetIds: [inAlbum], description: "One photo" });

// The map: a local style (no network here), and two photos at the same place (one cluster).
const mapStyle = await serveMapStyle();
const systemConfig = await call("GET", "/system-config");
systemConfig.map.lightStyle = systemConfig.map.darkStyle = mapStyle;
await call("PUT", "/system-config", systemConfig);
await call("PUT", "/assets", { ids: [favourite, inAlbum], latitude: 48.8566, longitude: 2.3522 });

// A tag on the favourite (the tags page), and the folder it was uploaded to (the folders page).
{
  const made = await call("PUT", "/tags", { tags: ["Walks/Park"] });
  await call("PUT", "/tags/assets", { tagIds: [made.find((t) => t.value === "Walks/Park").id], assetIds: [favourite] });
}
const walkTag = (await call("GET", "/tags")).find((t) => t.value === "Walks/Park");
const favouritePath = (await call("GET", `/assets/${favourite}`)).originalPath;
const walkFolder = favouritePath.slice(0, favouritePath.lastIndexOf("/"));

const notAPhoto = path.join(shots, "not-a-photo.txt");
fs.writeFileSync(notAPhoto, "These words are not a photo.");

// The signed-in pages, as the admin. `covers`: the addresses of app.js's pages() they stand for.
const PAGES = [
  { name: "photos", covers: ["/", "/photos"], show: go("/photos", tiles(2)) },
  {
    name: "photos with a selection",
    show: async (tab) => {
      await go("/photos", tiles(2))(tab);
      await tab.locator(".tile .check").first().click({ force: true });
      await tab.locator(".selection").waitFor();
    },
    // Every action in sight, none scrolled away inside the bar.
    expect: async (tab) => {
      const hidden = await tab.evaluate(() => {
        const bar = document.querySelector(".selection");
        return bar.scrollWidth > bar.clientWidth + 1 ? `the selection bar scrolls: ${bar.scrollWidth}px in ${bar.clientWidth}px` : null;
      });
      assert.equal(hidden, null);
      await tab.getByRole("toolbar", { name: "Selection" }).getByRole("button", { name: "Delete", exact: true }).waitFor();
    },
  },
  { name: "menu open", show: async (tab) => {
    await go("/photos", tiles(2))(tab);
    // The phone's navigation is behind its menu button; a desktop shows it in the bar.
    const menu = tab.locator(".menu-button");
    if (await menu.isVisible()) {
      await menu.click();
      await tab.locator("#site-nav a").first().waitFor();
      await tab.waitForTimeout(300);
    }
  }, expect: async (tab) => {
    assert.equal(await tab.locator("#site-nav a[aria-current=page]").textContent(), "Photos", "the page shown is marked");
  } },
  { name: "favorites", covers: ["/favorites"], show: go("/favorites", tiles(1)) },
  { name: "archive", covers: ["/archive"], show: go("/archive", tiles(1)) },
  { name: "trash", covers: ["/trash"], show: go("/trash", tiles(1)) },
  {
    name: "albums",
    covers: ["/albums"],
    show: go("/albums", (tab) => tab.locator(".album-card").first().waitFor()),
    // Covers two by two on a phone (not one per row).
    expect: async (tab, size) => {
      if (size.name !== "phone") return;
      const columns = await tab.evaluate(() => getComputedStyle(document.querySelector(".albums")).gridTemplateColumns.split(" ").length);
      assert.equal(columns, 2, "album covers in two columns on a phone");
    },
  },
  { name: "album", show: go(`/albums/${album.id}`, tiles(2)) },
  { name: "map", covers: ["/map"], show: go("/map", (tab) => tab.locator(".cluster-count").first().waitFor()) },
  { name: "album add photos", show: go(`/albums/${album.id}/add-photos`, tiles(2)) },
  { name: "search", covers: ["/search"], show: go(`/search?query=${encodeURIComponent(JSON.stringify({ originalFileName: "jpg" }))}`, tiles(1)) },
  { name: "search filters", show: go("/search", (tab) => tab.waitForFunction(() => document.querySelectorAll("select[name=make] option").length > 1)) },
  { name: "explore", covers: ["/explore"], show: go("/explore", heading("Recently added"), (tab) => tab.locator(".recent-photo").first().waitFor()) },
  { name: "tags", covers: ["/tags"], show: go(`/tags?id=${walkTag.id}`, tiles(1)) },
  { name: "folders", covers: ["/folders"], show: go(`/folders?path=${encodeURIComponent(walkFolder)}`, tiles(1)) },
  { name: "account", covers: ["/account"], show: go("/account", heading("Account settings")) },
  { name: "partner", show: go(`/partners/${bob.id}`, tiles(1)) },
  { name: "welcome steps", covers: ["/onboarding"], show: go("/onboarding", heading("Welcome, Ada")) },
  { name: "new password", covers: ["/change-password"], show: go("/change-password", heading("Change password")) },
  { name: "sharing", covers: ["/sharing"], show: go("/sharing", (tab) => tab.locator(".card.link").nth(1).waitFor()) },
  { name: "locked folder PIN", covers: ["/locked"], show: go("/locked", heading("Set up a PIN code")) },
  { name: "administration", covers: ["/admin"], show: go("/admin", (tab) => tab.locator("tr[data-queue]").first().waitFor()) },
  { name: "admin settings", covers: ["/admin/settings"], show: go("/admin/settings", (tab) => tab.locator("input[name='storageTemplate.template']").waitFor()) },
  { name: "not found", show: go("/explore-nothing-here", heading("Page not found")) },
  {
    name: "viewer",
    show: go(`/photos/${inAlbum}`, (tab) =>
      tab.waitForFunction(() => {
        const img = document.querySelector(".viewer img.preview");
        return img && img.complete && img.naturalWidth > 0;
      })),
  },
  {
    name: "dialog",
    show: async (tab) => {
      await go("/albums", (t) => t.locator(".album-card").first().waitFor())(tab);
      await tab.getByRole("button", { name: "Create album" }).click();
      await tab.locator("dialog[open]").waitFor();
    },
  },
  {
    name: "share dialog",
    show: async (tab) => {
      await go(`/albums/${album.id}`, tiles(2))(tab);
      await tab.getByRole("button", { name: "Share link" }).click();
      await tab.locator("dialog[open] input[name=allowDownload]").waitFor();
    },
  },
  {
    // A batch with a file the server refuses keeps its card (files listed) until closed.
    name: "upload card",
    show: async (tab) => {
      await go("/photos", tiles(2))(tab);
      await tab.setInputFiles("#upload-input", [photos[0], notAPhoto]);
      await tab.locator(".upload-card.has-failures").waitFor({ timeout: 60000 });
    },
  },
];

// Pages nobody has to sign in for: the sign-in form, a shared link as its visitor sees it.
const PUBLIC = [
  { name: "sign in", show: go("/photos", heading("Sign in to Ferrotype")) },
  { name: "shared link", show: go(`/share/${link.key}`, tiles(2)) },
  {
    name: "shared link viewer",
    show: async (tab) => {
      await go(`/share/${link.key}`, tiles(2))(tab);
      await tab.locator(".tile").first().click();
      await tab.waitForFunction(() => {
        const img = document.querySelector(".viewer img.preview");
        return img && img.complete && img.naturalWidth > 0;
      });
    },
  },
];

// Every exact address of app.js's pages() table, and of the timeline views, is walked.
{
  const source = await (await fetch(`${base}/app.js`)).text();
  const table = source.slice(source.indexOf("function pages()"));
  const views = await (await fetch(`${base}/pages/timeline.js`)).text();
  const viewTable = views.slice(views.indexOf("VIEWS = {"), views.indexOf("};", views.indexOf("VIEWS = {")));
  const addresses = new Set([
    ...[...table.matchAll(/^\s*\[\s*"(\/[^"]*)"/gm)].map((m) => m[1]),
    ...[...viewTable.matchAll(/^\s*"(\/[^"]*)":/gm)].map((m) => m[1]),
  ]);
  const covered = new Set(PAGES.flatMap((p) => p.covers || []));
  const missing = [...addresses].filter((a) => !covered.has(a));
  if (!addresses.size || missing.length) {
    failed++;
    console.log(`FAIL every page is walked: ${addresses.size ? `not in web-walk.mjs's PAGES: ${missing.join(", ")}` : "no addresses read from app.js"}`);
  } else {
    passed++;
    console.log(`ok   every page is walked (${[...addresses].join(", ")})`);
  }
}

for (const size of SIZES) {
  const context = await browser.newContext(size);
  await context.addCookies([{ name: "immich_access_token", value: token, url: base }]);
  const tab = await tabOf(context);
  for (const page of PAGES) await visit(tab, size, page);
  await context.close();
  const guest = await browser.newContext(size);
  const visitor = await tabOf(guest);
  for (const page of PUBLIC) await visit(visitor, size, page);
  await guest.close();
}

/// A named check outside the pages' walk.
async function named(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}

// The keyboard in a narrow window: the skip link comes first, the menu opens and closes.
{
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.addCookies([{ name: "immich_access_token", value: token, url: base }]);
  const tab = await tabOf(context);
  const focused = () => tab.evaluate(() => document.activeElement?.textContent.trim() || document.activeElement?.getAttribute("aria-label") || document.activeElement?.tagName);
  await named("keyboard: skip to content, then the menu as a drawer", async () => {
    await go("/albums", (t) => t.locator(".album-card").first().waitFor())(tab);
    await tab.keyboard.press("Tab");
    assert.equal(await focused(), "Skip to content");
    assert.ok(await tab.locator(".skip-link").evaluate((a) => a.getBoundingClientRect().top >= 0), "the skip link shows when focused");
    await tab.keyboard.press("Enter");
    assert.equal(await tab.evaluate(() => document.activeElement.tagName), "MAIN");
    await go("/albums", (t) => t.locator(".album-card").first().waitFor())(tab);
    await tab.keyboard.press("Tab");
    await tab.keyboard.press("Tab");
    assert.equal(await focused(), "Menu");
    assert.equal(await tab.locator("#site-nav").isVisible(), false, "the drawer starts closed");
    await tab.keyboard.press("Enter");
    assert.equal(await tab.locator(".menu-button").getAttribute("aria-expanded"), "true");
    await tab.locator("#site-nav").waitFor();
    assert.equal(await focused(), "Photos", "the drawer's first page has the focus");
    await tab.waitForTimeout(300);
    assert.equal(await tab.locator("#site-nav [aria-current=page]").textContent(), "Albums");
    await tab.screenshot({ path: path.join(shots, "keyboard-menu.png") });
    await tab.keyboard.press("Escape");
    await tab.locator("#site-nav").waitFor({ state: "hidden" });
    assert.equal(await focused(), "Menu", "Escape gives the focus back to the menu button");
    await tab.locator(".menu-button").click();
    await tab.locator("#site-nav").getByRole("link", { name: "Sharing" }).click();
    await tab.locator(".card.link").first().waitFor();
    assert.equal(await tab.title(), "Sharing – Ferrotype");
  });
  await named("an explicit theme on <html> wins over the browser's", async () => {
    const background = () => tab.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await tab.emulateMedia({ colorScheme: "light" });
    await tab.evaluate(() => (document.documentElement.dataset.theme = "dark"));
    assert.equal(await background(), "rgb(18, 18, 22)");
    await tab.emulateMedia({ colorScheme: "dark" });
    await tab.evaluate(() => (document.documentElement.dataset.theme = "light"));
    assert.equal(await background(), "rgb(250, 250, 250)");
  });
  if (tab.errors.length) {
    failed++;
    console.log(`FAIL the keyboard checks reported errors:\n    ${tab.errors.join("\n    ")}`);
  }
  await context.close();
}

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
