// The web UI in a real browser (Debian's Chromium, driven by playwright-core) against the real
// server: first-run sign-up, sign out and in, upload through the file picker, thumbnails in the
// timeline, the viewer (keyboard, info panel, zoom, swipe, video), albums and their members,
// shared links (password, no downloads, a visitor's upload), favourites, trash, administration,
// settings (a refused storage template, a sign-in message), a duplicate reported, a photo
// uploaded elsewhere showing up live (and leaving when trashed), the locked folder behind a PIN
// code (set, move in from the selection and the viewer, lock, a wrong code refused, change it,
// move out), dark mode and a phone's width.
// Each step saves a screenshot.
// Usage: node web-check.mjs <base-url> <compat-dir> <screenshot-dir> <video> <extra-photo>
//        <photo-uploaded-elsewhere> <photo>...

import path from "node:path";
import fs from "node:fs";
import assert from "node:assert/strict";
import { launch, stepsOn } from "./browser.mjs";

const [base, compat, shots, video, extraPhoto, elsewherePhoto, ...photos] = process.argv.slice(2);
fs.rmSync(shots, { recursive: true, force: true });
fs.mkdirSync(shots, { recursive: true });

const browser = await launch(compat);
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
const { step, watch, finish } = stepsOn(page, shots);

await step("first run shows the admin sign-up", async () => {
  await page.goto(base);
  await page.getByRole("heading", { name: "Welcome to Ferrotype" }).waitFor();
  await page.fill("input[name=name]", "Ada");
  await page.fill("input[name=email]", "ada@example.com");
  // A one-character password is not taken, and the two fields must agree.
  await page.fill("input[name=password]", "a");
  await page.fill("input[name=confirm]", "a");
  await page.click("button[type=submit]");
  assert.equal(await page.locator("input[name=password]:invalid").count(), 1, "too short");
  await page.fill("input[name=password]", "a good password");
  await page.fill("input[name=confirm]", "a good passwor");
  await page.click("button[type=submit]");
  await page.getByText("The passwords do not match").waitFor();
  await page.fill("input[name=confirm]", "a good password");
  await page.click("button[type=submit]");
  // The welcome, once (tests/compat/web-account.mjs checks its steps): straight through it.
  await page.getByRole("heading", { name: "Welcome, Ada" }).waitFor();
  while (await page.getByRole("button", { name: "Next" }).isVisible()) await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("button", { name: "Go to the photos" }).click();
  await page.locator("#upload-button").waitFor();
  await page.getByText("No photos yet").waitFor();
  assert.equal(await page.title(), "Photos – Ferrotype");
});

await step("sign out and a wrong password is refused", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to Ferrotype" }).waitFor();
  await page.fill("input[name=email]", "ada@example.com");
  await page.fill("input[name=password]", "wrong");
  await page.click("button[type=submit]");
  await page.getByText("Incorrect email or password").waitFor();
});

await step("sign in", async () => {
  await page.fill("input[name=password]", "a good password");
  await page.click("button[type=submit]");
  await page.locator("#upload-button").waitFor();
});

await step("upload through the file picker", async () => {
  await page.setInputFiles("#upload-input", photos);
  await page.locator("#toasts").getByText(`${photos.length} uploaded`).waitFor({ timeout: 60000 });
});

await step("thumbnails appear in the timeline", async () => {
  await page.waitForFunction((n) => document.querySelectorAll(".tile.loaded").length >= n, photos.length, { timeout: 60000 });
  const months = await page.locator(".month h2").count();
  assert.ok(months >= 1, "month headers");
  // Each tile is drawn in its picture's average colour (read from the thumbhash) under the image.
  // A thumbnail asked for again may come before the month is fetched again with its thumbhash
  // (the upload's live event, a moment after the last one): the colour follows.
  const uncoloured = () => [...document.querySelectorAll(".tile")].filter((t) => !t.style.backgroundColor).length;
  await page.waitForFunction(`(${uncoloured})() === 0`, null, { timeout: 30000 }).catch(() => {});
  assert.equal(await page.evaluate(uncoloured), 0, "tiles without their average colour");
});

await step("a slow thumbnail shows its blurred thumbhash meanwhile", async () => {
  // The network holds every thumbnail back for 3 s (routing also turns the browser's cache off).
  const thumbnails = "**/api/assets/*/thumbnail?size=thumbnail*";
  await page.route(thumbnails, async (route) => {
    await new Promise((r) => setTimeout(r, 3000));
    await route.continue().catch(() => {});
  });
  await page.reload();
  await page.waitForFunction(
    () => [...document.querySelectorAll(".tile:not(.loaded)")].some((t) => getComputedStyle(t).backgroundImage.startsWith('url("data:image/bmp')),
    null,
    { timeout: 10000 },
  );
  await page.unroute(thumbnails);
  await page.waitForFunction((n) => document.querySelectorAll(".tile.loaded").length >= n, photos.length, { timeout: 60000 });
});

await step("the viewer steps through by keyboard and shows details", async () => {
  await page.locator(".tile").first().click();
  const viewer = page.locator(".viewer");
  await viewer.waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector(".viewer img.preview");
    return img && img.complete && img.naturalWidth > 0;
  });
  const first = await viewer.getAttribute("data-id");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction((id) => document.querySelector(".viewer").dataset.id !== id, first);
  const second = await viewer.getAttribute("data-id");
  assert.notEqual(second, first);
  assert.ok(page.url().endsWith(`/photos/${second}`), page.url());
  await page.keyboard.press("ArrowLeft");
  await page.waitForFunction((id) => document.querySelector(".viewer").dataset.id === id, first);
  await page.keyboard.press("i");
  await page.getByRole("heading", { name: "Details" }).waitFor();
  await page.locator(".info dd").first().waitFor();
  await page.keyboard.press("i");
  // Zoom: a click doubles the photo around the point clicked, another click undoes it.
  // The photo stepped back to, once it is drawn (the viewer replaces the element on each step).
  await page.waitForFunction((id) => {
    const img = document.querySelector(".viewer img.preview");
    return img?.src.includes(`/assets/${id}/`) && img.complete && img.naturalWidth > 0;
  }, first);
  const preview = page.locator(".viewer img.preview");
  const before = await preview.boundingBox();
  assert.ok(before, "the photo is on screen");
  await preview.click();
  await page.waitForFunction(() => document.querySelector(".viewer img.preview").classList.contains("zoomed"));
  await page.waitForFunction((w) => document.querySelector(".viewer img.preview").getBoundingClientRect().width > w * 2, before.width);
  await page.screenshot({ path: path.join(shots, "06b-zoomed.png") });
  await page.mouse.click(640, 400);
  await page.waitForFunction(() => !document.querySelector(".viewer img.preview").classList.contains("zoomed"));
  await page.keyboard.press("Escape");
  await viewer.waitFor({ state: "detached" });
  assert.ok(page.url().endsWith("/photos"), page.url());
});

await step("Back closes the viewer and leaves the page as it was", async () => {
  await page.evaluate(() => (window.gridBefore = document.querySelector(".vgrid")));
  await page.locator(".tile").first().click();
  await page.locator(".viewer").waitFor();
  assert.match(page.url(), /\/photos\/[0-9a-f-]{36}$/);
  await page.goBack();
  await page.locator(".viewer").waitFor({ state: "detached" });
  assert.ok(page.url().endsWith("/photos"), page.url());
  assert.ok(await page.evaluate(() => document.querySelector(".vgrid") === window.gridBefore), "not drawn again");
});

/// The id of the first asset of the timeline whose field at `path` (dotted) is `value`, or null.
const assetWhere = (path, value) =>
  page.evaluate(async ([path, value]) => {
    const buckets = await (await fetch("/api/timeline/buckets?visibility=timeline")).json();
    for (const b of buckets) {
      const month = await (await fetch(`/api/timeline/bucket?visibility=timeline&timeBucket=${b.timeBucket}`)).json();
      for (const id of month.id) {
        const asset = await (await fetch(`/api/assets/${id}`)).json();
        if (path.split(".").reduce((v, k) => v?.[k], asset) === value) return id;
      }
    }
    return null;
  }, [path, value]);

await step("the camera is named once, and a photo without a preview says so", async () => {
  // The Canon photo: its model already says "Canon".
  const id = await assetWhere("exifInfo.make", "Canon");
  assert.ok(id, "the Canon photo");
  await page.goto(`${base}/photos/${id}`);
  await page.locator(".viewer").waitFor();
  await page.keyboard.press("i");
  await page.locator(".info dd", { hasText: "EOS R5" }).waitFor();
  assert.equal(await page.locator(".info dd", { hasText: "EOS R5" }).textContent(), "Canon EOS R5");
  // A preview that fails to load: a sentence, not the browser's broken-image icon.
  await page.route("**/thumbnail?size=preview*", (route) => route.fulfill({ status: 404, body: "" }));
  await page.keyboard.press("ArrowRight");
  await page.getByText("This photo has no preview yet, or it cannot be shown.").waitFor();
  await page.unroute("**/thumbnail?size=preview*");
  await page.keyboard.press("Escape");
  await page.locator(".viewer").waitFor({ state: "detached" });
});

await step("the details show the file and its place", async () => {
  // The photo with GPS coordinates, opened by its address.
  const id = await assetWhere("originalFileName", "thompson-springs.jpg");
  await page.goto(`${base}/photos/${id}`);
  await page.locator(".viewer").waitFor();
  await page.keyboard.press("i");
  await page.locator(".info dd", { hasText: "Palisade, Colorado, United States of America" }).waitFor();
  await page.locator(".info dd", { hasText: "thompson-springs.jpg" }).waitFor();
  await page.screenshot({ path: path.join(shots, "06a-details-with-place.png") });
  await page.keyboard.press("Escape");
  await page.locator(".viewer").waitFor({ state: "detached" });
});

await step("select two photos and add them to a new album", async () => {
  await page.locator(".tile .check").nth(0).click();
  await page.locator(".tile .check").nth(1).click();
  await page.getByText("2 selected").waitFor();
  await page.getByRole("button", { name: "Add to album" }).click();
  await page.fill("dialog input[name=albumName]", "Trip");
  await page.getByRole("button", { name: "Create and add" }).click();
  await page.getByText("Added to Trip").waitFor();
  await page.getByRole("link", { name: "Albums" }).click();
  await page.getByText("2 items").waitFor();
  await page.locator(".album-card").first().click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 2);
});

let shareUrl;
await step("create a password-protected link without downloads", async () => {
  await page.getByRole("button", { name: "Share link" }).click();
  await page.fill("dialog input[name=password]", "open sesame");
  await page.locator("dialog input[name=allowDownload]").uncheck();
  await page.getByRole("button", { name: "Create link" }).click();
  shareUrl = await page.locator(".share-url").textContent();
  assert.match(shareUrl, /\/share\/[A-Za-z0-9_-]{60,}$/);
  // Seen above the dialog; one link per dialog (no second by a second click); a Copy button.
  await page.locator("#toasts").getByText("Link created").waitFor();
  assert.ok(await page.getByRole("button", { name: "Create link" }).isDisabled(), "a second link");
  await page.getByRole("button", { name: "Copy link" }).waitFor();
  // The dialog closes by its button (and by Escape or a click outside).
  await page.locator("dialog").getByRole("button", { name: "Close" }).click();
  await page.locator("dialog").waitFor({ state: "detached" });
});

await step("the link in a fresh browser: password, photos, no originals", async () => {
  const guest = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const visitor = await guest.newPage();
  watch(visitor, "visitor ");
  await visitor.goto(shareUrl);
  await visitor.getByRole("heading", { name: "This link is protected" }).waitFor();
  await visitor.fill("input[name=password]", "wrong");
  await visitor.click("button[type=submit]");
  await visitor.getByText("Wrong password").waitFor();
  await visitor.screenshot({ path: path.join(shots, "visitor-1-wrong-password.png") });
  await visitor.fill("input[name=password]", "open sesame");
  await visitor.click("button[type=submit]");
  await visitor.getByText("Trip").first().waitFor();
  await visitor.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 2);
  await visitor.screenshot({ path: path.join(shots, "visitor-2-photos.png") });
  // A visitor of a link without downloads is offered nothing that would fail.
  await visitor.locator(".tile .check").first().click();
  await visitor.getByText("1 selected").waitFor();
  assert.deepEqual(await visitor.locator(".selection button").allTextContents(), ["Clear"]);
  await visitor.keyboard.press("Escape");
  await visitor.locator(".selection").waitFor({ state: "detached" });
  await visitor.locator(".tile").first().click();
  await visitor.locator(".viewer").waitFor();
  await visitor.waitForFunction(() => {
    const img = document.querySelector(".viewer img.preview");
    return img && img.complete && img.naturalWidth > 0;
  });
  assert.equal(await visitor.locator("#download-original").isHidden(), true, "no download button");
  const key = shareUrl.split("/share/")[1];
  const id = await visitor.locator(".viewer").getAttribute("data-id");
  const status = await visitor.evaluate(
    async ([id, key]) => (await fetch(`/api/assets/${id}/original?key=${key}`)).status,
    [id, key],
  );
  assert.equal(status, 400, "originals refused without allowDownload");
  await visitor.screenshot({ path: path.join(shots, "visitor-3-viewer.png") });
  await guest.close();
  await page.goto(`${base}/photos`);
  await page.locator("#upload-button").waitFor();
});

await step("favorites, the trash and restoring", async () => {
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length >= 3);
  await page.locator(".tile .check").nth(0).click();
  await page.getByRole("button", { name: "Favorite" }).click();
  await page.getByText("Added to favorites").waitFor();
  await page.getByRole("link", { name: "Favorites" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 1);
  assert.equal(await page.locator(".tile .fav").count(), 1, "a favourite is marked on its tile");
  await page.getByRole("link", { name: "Ferrotype" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 3);
  await page.locator(".tile .check").nth(2).click();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByText("Moved to the trash").waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 2);
  await page.getByRole("link", { name: "Trash" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 1);
  await page.getByRole("button", { name: "Restore all" }).click();
  await page.getByText("The trash is empty.").waitFor();
});

await step("each page offers its own actions, each undone in place", async () => {
  const barButtons = () => page.locator(".selection button").allTextContents();
  // The page is not drawn again by an action: the grid's node stays the same.
  const sameGrid = () => page.evaluate(() => document.querySelector(".vgrid") === window.gridBefore);
  await page.getByRole("link", { name: "Ferrotype" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 3);
  await page.evaluate(() => (window.gridBefore = document.querySelector(".vgrid")));
  // The favourite: Unfavorite.
  await page.locator(".tile:has(.fav) .check").click();
  assert.ok((await barButtons()).includes("Unfavorite"), "Unfavorite offered");
  await page.getByRole("button", { name: "Unfavorite" }).click();
  await page.locator("#toasts").getByText("Removed from favorites", { exact: true }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".tile .fav").length === 0);
  assert.ok(await sameGrid(), "unfavourited in place");
  // Archive, then Unarchive from the archive.
  await page.locator(".tile .check").nth(1).click();
  await page.getByRole("button", { name: "Archive", exact: true }).click();
  await page.locator("#toasts").getByText("Archived", { exact: true }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 2);
  assert.ok(await sameGrid(), "archived in place");
  await page.getByRole("link", { name: "Archive" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 1);
  await page.locator(".tile .check").first().click();
  const archiveBar = await barButtons();
  assert.ok(archiveBar.includes("Unarchive") && !archiveBar.includes("Archive"), `archive's bar: ${archiveBar}`);
  await page.getByRole("button", { name: "Unarchive" }).click();
  await page.locator("#toasts").getByText("Unarchived", { exact: true }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".tile").length === 0);
  // The trash offers only Restore and Delete permanently.
  await page.getByRole("link", { name: "Ferrotype" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 3);
  await page.locator(".tile .check").first().click();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.locator("#toasts").getByText("Moved to the trash", { exact: true }).last().waitFor();
  await page.getByRole("link", { name: "Trash" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 1);
  await page.locator(".tile .check").first().click();
  assert.deepEqual(await barButtons(), ["Restore", "Delete permanently", "Clear"]);
  await page.getByRole("button", { name: "Restore", exact: true }).click();
  await page.locator("#toasts").getByText("Restored", { exact: true }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".tile").length === 0);
  // Ctrl+A selects everything on the page, Escape clears; a day's title selects its day.
  await page.getByRole("link", { name: "Ferrotype" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 3);
  await page.keyboard.press("Control+a");
  await page.getByText("3 selected").waitFor();
  await page.keyboard.press("Escape");
  await page.locator(".selection").waitFor({ state: "detached" });
  const day = page.locator(".day-title").first();
  const dayKey = await day.getAttribute("data-day");
  const inDay = await page.locator(`.tile[data-day="${dayKey}"]`).count();
  assert.ok(inDay >= 1, "the day's photos are marked with their day");
  await day.hover();
  await day.locator(".day-check").click();
  await page.getByText(`${inDay} selected`).waitFor();
  await day.locator(".day-check").click();
  await page.locator(".selection").waitFor({ state: "detached" });
});

await step("a download is split into archives of the size chosen in the preferences", async () => {
  const setArchiveSize = (archiveSize) =>
    page.evaluate(
      (size) =>
        fetch("/api/users/me/preferences", {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ download: { archiveSize: size } }),
        }).then((r) => r.status),
      archiveSize,
    );
  assert.equal(await setArchiveSize(1), 200);
  await page.keyboard.press("Control+a");
  await page.getByText("3 selected").waitFor();
  const downloads = [];
  page.on("download", (d) => downloads.push(d));
  await page.getByRole("button", { name: "Download", exact: true }).click();
  // One byte per archive: each photo comes in its own zip.
  for (let i = 0; i < 50 && downloads.length < 3; i++) await page.waitForTimeout(100);
  assert.equal(downloads.length, 3, "three archives");
  for (const d of downloads) assert.equal(d.suggestedFilename(), "ferrotype.zip");
  page.removeAllListeners("download");
  assert.equal(await setArchiveSize(4 * 1024 ** 3), 200);
  await page.keyboard.press("Escape");
});

await step("shared links are listed and revoked", async () => {
  await page.getByRole("link", { name: "Sharing" }).click();
  await page.locator(".card.link").first().waitFor();
  assert.ok((await page.locator(".card.link").first().textContent()).includes("password"));
  await page.getByRole("button", { name: "Revoke" }).click();
  await page.getByText("No shared links.").waitFor();
});

await step("administration: users, jobs and statistics", async () => {
  await page.getByRole("link", { name: "Administration" }).click();
  await page.locator("tr[data-queue=thumbnailGeneration]").waitFor();
  // Queues by their names, with only the commands that can run here.
  await page.locator("tr[data-queue=thumbnailGeneration]").getByText("Generate thumbnails").waitFor();
  assert.equal(await page.locator("tr[data-queue=faceDetection]").count(), 0, "no queue that never runs here");
  assert.equal(await page.locator("tr[data-queue=backgroundTask] button", { hasText: /Start|Missing|All/ }).count(), 0);
  assert.equal(await page.getByRole("link", { name: "Administration" }).getAttribute("aria-current"), "page");
  await page.getByText("ada@example.com").waitFor();
  await page.getByText("3 photos").waitFor();
  await page.getByRole("button", { name: "Create a user" }).click();
  const form = page.getByRole("dialog");
  await form.locator("input[name=name]").fill("Bob");
  await form.locator("input[name=email]").fill("bob@example.com");
  await form.locator("input[name=password]").fill("bob password");
  await form.getByRole("button", { name: "Create", exact: true }).click();
  await page.getByText("bob@example.com").waitFor();
  await page.goto(`${base}/photos`);
  await page.locator("#upload-button").waitFor();
});

await step("settings: a bad storage template is refused", async () => {
  await page.getByRole("link", { name: "Administration" }).click();
  await page.getByRole("link", { name: "Settings", exact: true }).click();
  const template = page.locator("input[name='storageTemplate.template']");
  await template.waitFor();
  assert.equal(await template.inputValue(), "{{y}}/{{y}}-{{MM}}-{{dd}}/{{filename}}");
  await template.fill("{{y}}/{{foo}}");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.locator(".settings .form-error").getByText("Invalid storage template").waitFor();
  assert.equal(await template.getAttribute("aria-invalid"), "true");
});

await step("settings: a sign-in message shows at once", async () => {
  const template = page.locator("input[name='storageTemplate.template']");
  await template.fill("{{y}}/{{MM}}/{{filename}}");
  await page.fill("input[name='server.loginPageMessage']", "Family photos: ask Ada for an account");
  await page.getByRole("button", { name: "Save settings" }).click();
  await page.getByText("Settings saved").waitFor();
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("Family photos: ask Ada for an account").waitFor();
  await page.fill("input[name=email]", "ada@example.com");
  await page.fill("input[name=password]", "a good password");
  await page.click("button[type=submit]");
  await page.locator("#upload-button").waitFor();
});

await step("a duplicate upload is reported", async () => {
  await page.setInputFiles("#upload-input", photos.slice(0, 1));
  await page.locator("#toasts").getByText("1 already there").waitFor({ timeout: 30000 });
});

await step("a batch is one card that folds its files; some failures warn, not alarm", async () => {
  const notes = path.join(path.dirname(shots), "notes.txt");
  fs.writeFileSync(notes, "not a photo");
  await page.setInputFiles("#upload-input", [...photos, notes]);
  await page.locator("#toasts .toast.warning", { hasText: "3 already there, 1 failed" }).waitFor({ timeout: 60000 });
  assert.equal(await page.locator("#toasts .toast.error").count(), 0, "no red toast for a mostly good batch");
  const card = page.locator(".upload-card.has-failures");
  assert.equal(await card.locator(".upload-summary").textContent(), "0 uploaded, 3 already there, 1 failed");
  // The failed file is listed (the list opens when something failed), and the card stays small.
  await card.locator("li.upload.failed", { hasText: "notes.txt" }).waitFor();
  const box = await card.boundingBox();
  assert.ok(box.height < 0.6 * 800, `the card is ${box.height} px tall`);
  await card.getByRole("button", { name: "Hide files" }).click();
  assert.ok(await card.locator(".upload-files").isHidden());
  await card.getByRole("button", { name: "Close" }).click();
  await card.waitFor({ state: "detached" });
});

await step("files dropped on the page are uploaded", async () => {
  const bytes = fs.readFileSync(photos[1]).toString("base64");
  const shown = await page.evaluate((b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([data], "dropped.jpg", { type: "image/jpeg" }));
    window.dispatchEvent(new DragEvent("dragenter", { dataTransfer: transfer }));
    const visible = !document.querySelector(".dropzone").hidden;
    window.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, cancelable: true }));
    return visible;
  }, bytes);
  assert.ok(shown, "the drop zone shows while files are dragged over");
  // The upload list's row for this file (the toast's words may still be up from the step before).
  await page.locator("li.upload", { hasText: "dropped.jpg" }).getByText("already in your library").waitFor({ timeout: 30000 });
  assert.equal(await page.locator(".dropzone").isHidden(), true);
});

await step("a photo uploaded elsewhere appears in the open timeline, and leaves when trashed", async () => {
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length >= 3);
  // Set on this page: a reload would lose it.
  await page.evaluate(() => (window.sameDocument = true));
  const bytes = fs.readFileSync(elsewherePhoto).toString("base64");
  // Another client (the page's own cookie, but not the page's code) uploads and later trashes.
  const id = await page.evaluate(async (b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const form = new FormData();
    form.append("fileCreatedAt", new Date().toISOString());
    form.append("fileModifiedAt", new Date().toISOString());
    form.append("assetData", new File([data], "elsewhere.jpg", { type: "image/jpeg" }));
    const r = await fetch("/api/assets", { method: "POST", body: form });
    return (await r.json()).id;
  }, bytes);
  await page.locator(`.tile[data-id="${id}"].loaded`).waitFor({ timeout: 60000 });
  assert.equal(await page.evaluate(() => window.sameDocument), true, "the page was not reloaded");
  await page.evaluate(async (asset) => {
    await fetch("/api/assets", { method: "DELETE", headers: { "content-type": "application/json" }, body: JSON.stringify({ ids: [asset] }) });
  }, id);
  await page.locator(`.tile[data-id="${id}"]`).waitFor({ state: "detached", timeout: 30000 });
  assert.equal(await page.evaluate(() => window.sameDocument), true, "the page was not reloaded");
});

await step("an action that fails says why", async () => {
  // An album deleted (elsewhere) while the dialog lists it.
  const gone = await page.evaluate(async () => {
    const r = await fetch("/api/albums", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ albumName: "Gone" }) });
    return (await r.json()).id;
  });
  await page.locator(".tile .check").first().click();
  await page.getByRole("button", { name: "Add to album" }).click();
  await page.getByRole("button", { name: "Gone (0)" }).waitFor();
  await page.evaluate((id) => fetch(`/api/albums/${id}`, { method: "DELETE" }), gone);
  await page.getByRole("button", { name: "Gone (0)" }).click();
  await page.locator(".toast.error", { hasText: "Cannot add to Gone" }).waitFor();
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: "Clear" }).click();
});

await step("a visitor adds a photo through a link that allows uploads", async () => {
  await page.getByRole("link", { name: "Albums" }).click();
  await page.locator(".album-card").first().click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 2);
  await page.getByRole("button", { name: "Share link" }).click();
  await page.locator("dialog input[name=allowUpload]").check();
  await page.getByRole("button", { name: "Create link" }).click();
  const url = await page.locator(".share-url").textContent();
  await page.keyboard.press("Escape");
  const guest = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const visitor = await guest.newPage();
  watch(visitor, "visitor ");
  await visitor.goto(url);
  await visitor.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 2);
  await visitor.setInputFiles("#upload-input", [extraPhoto]);
  await visitor.locator("#toasts").getByText("1 uploaded").waitFor({ timeout: 60000 });
  await visitor.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 3, null, { timeout: 60000 });
  await visitor.screenshot({ path: path.join(shots, "visitor-4-uploaded.png") });
  await guest.close();
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 3, null, { timeout: 60000 });
});

await step("album members: share as a viewer, make an editor, remove", async () => {
  // A click outside a dialog closes it.
  await page.getByRole("button", { name: "Share with users" }).click();
  await page.locator("dialog").waitFor();
  await page.mouse.click(5, 5);
  await page.locator("dialog").waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Share with users" }).click();
  await page.locator("dialog select[name=role]").selectOption("viewer");
  // A name is a checkbox: nothing is shared until Share.
  const share = page.locator("dialog").getByRole("button", { name: "Share", exact: true });
  assert.ok(await share.isDisabled(), "Share waits for a user");
  await page.getByRole("checkbox", { name: "Bob <bob@example.com>" }).check();
  await share.click();
  await page.getByText("Shared with Bob").waitFor();
  await page.getByRole("button", { name: "Members (2)" }).click();
  const role = page.locator('dialog li[data-user="bob@example.com"] select');
  assert.equal(await role.inputValue(), "viewer");
  await role.selectOption("editor");
  await page.getByText("Bob can add photos").waitFor();
  await page.getByRole("button", { name: "Members (2)" }).click();
  assert.equal(await page.locator('dialog li[data-user="bob@example.com"] select').inputValue(), "editor");
  await page.locator('dialog li[data-user="bob@example.com"]').getByRole("button", { name: "Remove" }).click();
  await page.getByText("Bob removed").waitFor();
  await page.getByRole("button", { name: "Members (1)" }).waitFor();
});

await step("album activity: comment, like, delete, turn off", async () => {
  const panel = page.locator("section.activity");
  await panel.getByText("No comments yet.").waitFor();
  const send = panel.getByRole("button", { name: "Comment", exact: true });
  assert.ok(await send.isDisabled(), "nothing to send yet");
  await panel.getByRole("textbox", { name: "Say something" }).fill("What a trip");
  await send.click();
  await panel.locator(".activity-comment").getByText("What a trip").waitFor();
  await panel.getByRole("button", { name: "Like" }).click();
  await panel.getByText("1 like").waitFor();
  assert.equal(await panel.getByRole("button", { name: "Unlike" }).getAttribute("aria-pressed"), "true");
  await page.screenshot({ path: path.join(shots, "album-activity.png") });
  // What the server holds is what the panel shows.
  const held = await page.evaluate(async () => {
    const id = location.pathname.split("/").pop();
    return (await fetch(`/api/activities/statistics?albumId=${id}`)).json();
  });
  assert.deepEqual(held, { comments: 1, likes: 1 });
  await panel.getByRole("button", { name: "Unlike" }).click();
  await panel.getByText("0 likes").waitFor();
  await panel.getByRole("button", { name: "Delete the comment by Ada" }).click();
  await panel.getByText("No comments yet.").waitFor();
  await panel.getByRole("checkbox", { name: "Comments and likes" }).uncheck();
  await panel.getByText("Comments and likes are turned off.").waitFor();
  assert.equal(await panel.getByRole("textbox", { name: "Say something" }).count(), 0);
  await panel.getByRole("checkbox", { name: "Comments and likes" }).check();
  await panel.getByRole("textbox", { name: "Say something" }).waitFor();
});

await step("a video plays in the viewer", async () => {
  await page.getByRole("link", { name: "Ferrotype" }).click();
  await page.setInputFiles("#upload-input", [video]);
  await page.locator("#toasts").getByText("1 uploaded").waitFor({ timeout: 60000 });
  const tile = page.locator(".tile:has(.badge)");
  await tile.waitFor({ timeout: 60000 });
  await page.waitForFunction(() => document.querySelector(".tile:has(.badge)")?.classList.contains("loaded"), null, { timeout: 60000 });
  // Its length, as players write it.
  await page.waitForFunction(() => /^0:0[12] ▶$/.test(document.querySelector(".tile .badge")?.textContent || ""), null, { timeout: 30000 });
  await tile.click();
  await page.waitForFunction(() => {
    const v = document.querySelector(".viewer video");
    return v && v.readyState >= 2 && v.videoWidth > 0;
  }, null, { timeout: 30000 });
  // The live timeline may draw the page again when the clip's month is new (its thumbnail job's
  // event can come after the tile showed): play whichever video element the viewer has.
  await page.waitForFunction(() => {
    const v = document.querySelector(".viewer video");
    if (!v) return false;
    if (v.paused) {
      v.muted = true;
      v.play().catch(() => {});
    }
    return v.currentTime > 0.2;
  }, null, { timeout: 30000, polling: 250 });
  await page.keyboard.press("Escape");
});

await step("an album is created from the albums page", async () => {
  await page.goto(`${base}/albums`);
  assert.equal(await page.getByRole("link", { name: "Albums" }).getAttribute("aria-current"), "page");
  await page.getByRole("button", { name: "Create album" }).click();
  await page.locator("dialog input[name=value]").fill("Empty for now");
  await page.locator("dialog").getByRole("button", { name: "Create" }).click();
  await page.waitForFunction(() => document.querySelector("input.title")?.value === "Empty for now");
  assert.match(page.url(), /\/albums\/[0-9a-f-]{36}$/);
  assert.equal(await page.title(), "Empty for now – Ferrotype");
});

await step("photos are added from the album's page", async () => {
  const album = page.url();
  await page.getByRole("button", { name: "Add photos" }).click();
  await page.getByRole("heading", { name: "Add photos to “Empty for now”" }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length >= 2);
  await page.locator(".tile .check").nth(0).click();
  await page.locator(".tile .check").nth(1).click();
  // Adding is the one thing to do with this selection.
  assert.deepEqual(await page.locator(".selection button").allTextContents(), ["Add to album", "Clear"]);
  await page.getByRole("button", { name: "Add to album" }).click();
  await page.locator("#toasts").getByText("Added 2 to Empty for now").waitFor();
  assert.equal(page.url(), album);
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 2);
});

await step("pages have titles, and an unknown address says so", async () => {
  await page.goto(`${base}/albums`);
  await page.getByRole("heading", { name: "Albums" }).first().waitFor();
  assert.equal(await page.title(), "Albums – Ferrotype");
  await page.goto(`${base}/explore-nothing-here`);
  await page.getByRole("heading", { name: "Page not found" }).waitFor();
  assert.equal(await page.title(), "Page not found – Ferrotype");
  assert.equal(await page.locator("#timeline").count(), 0, "not the timeline under a wrong address");
  await page.screenshot({ path: path.join(shots, "not-found.png") });
  await page.getByRole("link", { name: "Back to the photos" }).click();
  await page.locator(".tile").first().waitFor();
  assert.equal(await page.title(), "Photos – Ferrotype");
  assert.ok(page.url().endsWith("/photos"), page.url());
});

// ---- the locked folder: two photos in (from the selection and from the viewer) and back out.
let lockedIds = [];
const tileIds = () => page.evaluate(() => [...document.querySelectorAll(".tile.loaded")].map((t) => t.dataset.id));
const confirmIn = (name) => page.locator("dialog[open]").getByRole("button", { name, exact: true }).click();

await step("the locked folder asks for a new PIN code first", async () => {
  await page.getByRole("link", { name: "Locked folder" }).click();
  await page.getByRole("heading", { name: "Set up a PIN code" }).waitFor();
  await page.fill("input[name=pinCode]", "123456");
  await page.fill("input[name=confirm]", "123465");
  await page.getByRole("button", { name: "Create PIN code" }).click();
  await page.locator(".form-error", { hasText: "The two PIN codes differ" }).waitFor();
  await page.fill("input[name=confirm]", "123456");
  await page.getByRole("button", { name: "Create PIN code" }).click();
  await page.getByText("Successfully setup a PIN code").waitFor();
  // Setting the code does not unlock: the prompt comes next.
  await page.getByText("Enter your PIN code to access the locked folder").waitFor();
});

await step("photos moved to the locked folder leave the timeline", async () => {
  await page.getByRole("link", { name: "Ferrotype" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length >= 3, null, { timeout: 60000 });
  const before = await tileIds();
  // From the selection bar, after confirming.
  await page.locator(`.tile[data-id="${before[0]}"] .check`).click();
  await page.getByRole("button", { name: "Move to locked folder" }).click();
  await page.getByRole("dialog").getByText("only viewable from the locked folder").waitFor();
  await confirmIn("Move to locked folder");
  await page.getByText("1 item added to the locked folder").waitFor();
  await page.locator(`.tile[data-id="${before[0]}"]`).waitFor({ state: "detached" });
  // From the viewer.
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length >= 2, null, { timeout: 60000 });
  await page.locator(`.tile[data-id="${before[1]}"]`).click();
  await page.locator(".viewer").waitFor();
  await page.locator(".viewer").getByRole("button", { name: "More" }).click();
  await page.getByRole("menuitem", { name: "Move to locked folder" }).click();
  await confirmIn("Move to locked folder");
  // The viewer moves on to the next photo; Escape closes it.
  await page.waitForFunction((id) => document.querySelector(".viewer")?.dataset.id !== id, before[1]);
  await page.keyboard.press("Escape");
  await page.locator(".viewer").waitFor({ state: "detached" });
  await page.locator(`.tile[data-id="${before[1]}"]`).waitFor({ state: "detached" });
  lockedIds = before.slice(0, 2);
  const after = await tileIds();
  assert.ok(!after.includes(lockedIds[0]) && !after.includes(lockedIds[1]), "not on the timeline");
  // Nor reachable without the unlock.
  const status = await page.evaluate((id) => fetch(`/api/assets/${id}`).then((r) => r.status), lockedIds[0]);
  assert.equal(status, 400);
});

await step("a wrong PIN code is refused, the right one opens the folder", async () => {
  await page.getByRole("link", { name: "Locked folder" }).click();
  await page.getByText("Enter your PIN code to access the locked folder").waitFor();
  await page.fill("input[name=pinCode]", "000000");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.locator(".form-error", { hasText: "Wrong PIN code" }).waitFor();
  await page.screenshot({ path: path.join(shots, "locked-wrong-pin.png") });
  await page.fill("input[name=pinCode]", "123456");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.getByRole("heading", { name: "Locked folder" }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 2, null, { timeout: 60000 });
  assert.deepEqual((await tileIds()).sort(), [...lockedIds].sort());
});

await step("change the PIN code, lock, and only the new code unlocks", async () => {
  await page.getByRole("button", { name: "Change PIN code" }).click();
  await page.fill("dialog input[name=pinCode]", "000000");
  await page.fill("dialog input[name=newPinCode]", "654321");
  await page.fill("dialog input[name=confirm]", "654321");
  await confirmIn("Save");
  await page.locator("dialog .form-error", { hasText: "Wrong PIN code" }).waitFor();
  await page.fill("dialog input[name=pinCode]", "123456");
  await confirmIn("Save");
  await page.getByText("Successfully changed PIN code").waitFor();
  await page.getByRole("button", { name: "Lock", exact: true }).click();
  await page.getByText("Enter your PIN code to access the locked folder").waitFor();
  const status = await page.evaluate(() => fetch("/api/timeline/buckets?visibility=locked").then((r) => r.status));
  assert.equal(status, 401, "locked again");
  await page.fill("input[name=pinCode]", "123456");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.locator(".form-error", { hasText: "Wrong PIN code" }).waitFor();
  await page.fill("input[name=pinCode]", "654321");
  await page.getByRole("button", { name: "Unlock" }).click();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length === 2, null, { timeout: 60000 });
});

await step("photos moved out of the locked folder are back on the timeline", async () => {
  await page.locator(`.tile[data-id="${lockedIds[0]}"] .check`).click();
  await page.getByRole("button", { name: "Move out of locked folder" }).click();
  await confirmIn("Move out of locked folder");
  await page.getByText("1 item removed from the locked folder").waitFor();
  await page.locator(`.tile[data-id="${lockedIds[0]}"]`).waitFor({ state: "detached" });
  await page.locator(`.tile[data-id="${lockedIds[1]}"]`).click();
  await page.locator(".viewer").waitFor();
  assert.ok(page.url().endsWith(`/locked/photos/${lockedIds[1]}`), page.url());
  await page.locator(".viewer").getByRole("button", { name: "More" }).click();
  await page.getByRole("menuitem", { name: "Move out of locked folder" }).click();
  await confirmIn("Move out of locked folder");
  await page.locator(".viewer").waitFor({ state: "detached" });
  await page.getByText("Photos and videos in the locked folder are hidden").waitFor();
  await page.getByRole("link", { name: "Ferrotype" }).click();
  for (const id of lockedIds) await page.locator(`.tile[data-id="${id}"].loaded`).waitFor({ timeout: 60000 });
});

await step("dark mode follows the browser", async () => {
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await background(), "rgb(250, 250, 250)");
  await page.emulateMedia({ colorScheme: "dark" });
  assert.equal(await background(), "rgb(18, 18, 22)");
  await page.screenshot({ path: path.join(shots, "dark.png") });
  await page.emulateMedia({ colorScheme: "light" });
});

await step("phone: swipe steps through the viewer, a long press selects", async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const tab = await phone.newPage();
  watch(tab, "phone ");
  await tab.goto(base);
  await tab.fill("input[name=email]", "ada@example.com");
  await tab.fill("input[name=password]", "a good password");
  await tab.click("button[type=submit]");
  await tab.waitForFunction(() => document.querySelectorAll(".tile.loaded").length >= 2, null, { timeout: 60000 });
  await tab.locator(".tile").first().tap();
  await tab.locator(".viewer").waitFor();
  const first = await tab.locator(".viewer").getAttribute("data-id");
  const cdp = await phone.newCDPSession(tab);
  const swipe = async (fromX, toX) => {
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x: fromX, y: 250 }] });
    for (let i = 1; i <= 5; i++) {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x: fromX + ((toX - fromX) * i) / 5, y: 250 }] });
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  };
  await swipe(300, 80);
  await tab.waitForFunction((id) => document.querySelector(".viewer").dataset.id !== id, first);
  await swipe(80, 300);
  await tab.waitForFunction((id) => document.querySelector(".viewer").dataset.id === id, first);
  await tab.screenshot({ path: path.join(shots, "phone-viewer.png") });
  await tab.keyboard.press("Escape");
  await tab.locator(".viewer").waitFor({ state: "detached" });
  // A long press selects; then a tap adds.
  const box = await tab.locator(".tile").nth(0).boundingBox();
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [at] });
  await tab.waitForTimeout(800);
  await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
  await tab.getByText("1 selected").waitFor();
  assert.equal(await tab.locator(".viewer").count(), 0, "a long press does not open the viewer");
  await tab.locator(".tile").nth(1).tap();
  await tab.getByText("2 selected").waitFor();
  await tab.screenshot({ path: path.join(shots, "phone-selected.png") });
  await phone.close();
});

await step("phone width", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length >= 1);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page wider than the phone by ${overflow}px`);
});

await finish(browser);
