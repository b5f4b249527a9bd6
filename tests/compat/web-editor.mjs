// The photo editor in Chromium against the real server: the viewer's Edit button, a turn to the
// right saved (the server's edits, then the grid's tile and the viewer's photo standing upright
// once the edited thumbnails exist), a crop dragged on the canvas and saved (crop first in the
// list), a press inside the editor released outside it (the editor stays), and Reset (no edits,
// the photo lying again).
// Usage: node web-editor.mjs <base-url> <compat-dir> <screenshot-dir> <asset id>
//   the asset: an 800 x 400 photo, the admin's only one.

import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { launch, stepsOn } from "./browser.mjs";

const [base, compat, shots, id] = process.argv.slice(2);
fs.mkdirSync(shots, { recursive: true });
for (const f of fs.readdirSync(shots)) if (f.startsWith("editor-")) fs.rmSync(path.join(shots, f));

const browser = await launch(compat);
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const { step, finish } = stepsOn(page, shots, "editor-");

const get = (p) =>
  page.evaluate(async (p) => {
    const r = await fetch(`/api${p}`);
    return { status: r.status, body: await r.json().catch(() => null) };
  }, p);
/// Waits until the tile's thumbnail and the viewer's photo are both upright (taller than wide)
/// or both lying.
const shapes = (upright) =>
  page.waitForFunction(
    ([id, upright]) => {
      const shape = (img) => img && img.complete && img.naturalWidth > 0 && (img.naturalHeight > img.naturalWidth) === upright;
      return shape(document.querySelector(`.tile[data-id="${id}"] img`)) && shape(document.querySelector(".viewer img.preview"));
    },
    [id, upright],
    { timeout: 60000 },
  );
const editorButton = (name) => page.locator("dialog.editor").getByRole("button", { name, exact: true });

await step("sign in and open the photo", async () => {
  await page.goto(base);
  await page.fill("input[name=email]", "admin@example.com");
  await page.fill("input[name=password]", "admin-password");
  await page.click("button[type=submit]");
  await page.locator(".tile.loaded").first().waitFor({ timeout: 60000 });
  await page.locator(`.tile[data-id="${id}"]`).click();
  await page.locator(".viewer img.preview").waitFor();
  await shapes(false);
});

await step("rotate right and save: the tile and the photo stand upright", async () => {
  await page.locator(".viewer-bar").getByRole("button", { name: "Edit", exact: true }).click();
  await page.locator("dialog.editor canvas").waitFor();
  await editorButton("Rotate right").click();
  // The canvas draws the result before it is saved.
  const canvas = await page.locator("dialog.editor canvas").evaluate((c) => [c.width, c.height]);
  assert.ok(canvas[1] > canvas[0], `canvas ${canvas}`);
  await page.screenshot({ path: path.join(shots, "editor-rotated.png") });
  await editorButton("Save").click();
  await page.locator("dialog.editor").waitFor({ state: "detached" });
  const edits = (await get(`/assets/${id}/edits`)).body.edits;
  assert.deepEqual(edits.map((e) => [e.action, e.parameters]), [["rotate", { angle: 90 }]]);
  await shapes(true);
  await page.screenshot({ path: path.join(shots, "editor-saved.png") });
});

await step("a crop dragged on the canvas is saved first", async () => {
  await page.locator(".viewer-bar").getByRole("button", { name: "Edit", exact: true }).click();
  await page.locator("dialog.editor canvas").waitFor();
  await editorButton("Crop").click();
  // Measured once crop mode shows the picture unturned (wider than tall).
  await page.waitForFunction(() => {
    const c = document.querySelector("dialog.editor canvas");
    return c && c.width > c.height;
  });
  const box = await page.locator("dialog.editor canvas").boundingBox();
  // The left quarter of the picture (crop mode shows it unturned, 2:1): 200 x 400.
  await page.mouse.move(box.x + 2, box.y + 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 8, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width / 4, box.y + box.height - 2, { steps: 5 });
  await page.mouse.up();
  await editorButton("Crop").click();
  await editorButton("Save").click();
  await page.locator("dialog.editor").waitFor({ state: "detached" });
  const edits = (await get(`/assets/${id}/edits`)).body.edits;
  assert.deepEqual(edits.map((e) => e.action), ["crop", "rotate"]);
  const crop = edits[0].parameters;
  assert.ok(crop.x <= 10 && crop.y <= 10, JSON.stringify(crop));
  assert.ok(Math.abs(crop.width - 200) < 20 && crop.height > 370, JSON.stringify(crop));
  // The left quarter turned right: wider than tall.
  await shapes(false);
});

await step("a press inside the editor released outside it keeps the editor and its edits", async () => {
  await page.locator(".viewer-bar").getByRole("button", { name: "Edit", exact: true }).click();
  await page.locator("dialog.editor canvas").waitFor();
  const size = () => page.locator("dialog.editor canvas").evaluate((c) => `${c.width}x${c.height}`);
  const before = await size();
  await editorButton("Rotate right").click();
  const turned = await size();
  assert.notEqual(turned, before);
  // Pressed on the dialog's title, released on the backdrop: a click on the dialog itself, at
  // a point outside it (what a crop dragged past the edge makes).
  const title = await page.locator("dialog.editor h2").boundingBox();
  await page.mouse.move(title.x + 2, title.y + title.height / 2);
  await page.mouse.down();
  await page.mouse.move(3, 3, { steps: 5 });
  await page.mouse.up();
  await page.waitForTimeout(300);
  assert.ok(await page.locator("dialog.editor[open]").isVisible(), "the editor stays open");
  assert.equal(await size(), turned, "the turn is kept");
  // A click on the backdrop still closes it, saving nothing.
  await page.mouse.click(3, 3);
  await page.locator("dialog.editor").waitFor({ state: "detached" });
  assert.deepEqual((await get(`/assets/${id}/edits`)).body.edits.map((e) => e.action), ["crop", "rotate"]);
});

await step("Reset removes the edits", async () => {
  await page.locator(".viewer-bar").getByRole("button", { name: "Edit", exact: true }).click();
  await editorButton("Reset").click();
  await page.locator("dialog.editor").waitFor({ state: "detached" });
  assert.deepEqual((await get(`/assets/${id}/edits`)).body.edits, []);
  const asset = (await get(`/assets/${id}`)).body;
  assert.equal(asset.isEdited, false);
  await shapes(false);
});

await finish(browser);
