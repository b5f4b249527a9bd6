// The memory lane and the memory viewer in Chromium against the real server: today's memories
// show as "N years ago" cards above the photos; a card opens its memory full screen, whose photos
// follow one another by Next and Previous (the last one leading to the next memory); Escape
// closes it, and the memory is marked seen on the server.
// Usage: node web-memories.mjs <base-url> <compat-dir> <screenshot-dir> <setup JSON>
//   setup: { memories: [{ id, title, assets: [ids] }] as the lane should show them }

import path from "node:path";
import fs from "node:fs";
import assert from "node:assert/strict";
import { launch, stepsOn } from "./browser.mjs";

const [base, compat, shots, setupJson] = process.argv.slice(2);
const setup = JSON.parse(setupJson);
fs.mkdirSync(shots, { recursive: true });
for (const f of fs.readdirSync(shots)) if (f.startsWith("memories-")) fs.rmSync(path.join(shots, f));

const browser = await launch(compat);
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
const { step, finish } = stepsOn(page, shots, "memories-");
const viewer = page.locator(".memory-viewer");
/// The photo shown in the viewer has loaded and is `asset`'s.
const showing = (asset) =>
  page.waitForFunction((asset) => {
    const v = document.querySelector(".memory-viewer");
    const img = v?.querySelector("img.memory-photo");
    return v?.dataset.asset === asset && img?.src.includes(`/assets/${asset}/`) && img.complete && img.naturalWidth > 0;
  }, asset);

await step("sign in: the lane above the photos", async () => {
  await page.goto(base);
  await page.fill("input[name=email]", "admin@example.com");
  await page.fill("input[name=password]", "admin-password");
  await page.click("button[type=submit]");
  await page.locator(".memory-lane .memory-card").first().waitFor({ timeout: 60000 });
  const cards = await page.locator(".memory-lane .memory-card").evaluateAll((cs) =>
    cs.map((c) => ({ id: c.dataset.id, title: c.querySelector(".memory-title").textContent })),
  );
  assert.deepEqual(cards, setup.memories.map(({ id, title }) => ({ id, title })));
  // The lane sits above the grid, and each card shows its first photo.
  await page.waitForFunction(() =>
    [...document.querySelectorAll(".memory-card img")].every((i) => i.complete && i.naturalWidth > 0),
  );
  const lane = await page.locator(".memory-lane").boundingBox();
  const grid = await page.locator(".vgrid").boundingBox();
  assert.ok(lane.y + lane.height <= grid.y + 1, "the lane is above the grid");
});

const [first, second] = setup.memories;

await step("a card opens its memory full screen", async () => {
  await page.locator(`.memory-card[data-id="${first.id}"]`).click();
  await viewer.waitFor();
  await showing(first.assets[0]);
  assert.equal(await viewer.locator(".memory-heading").textContent(), first.title);
  assert.equal(await viewer.locator(".memory-count").textContent(), `1 / ${first.assets.length}`);
  // Paused, so the photos stay for the checks.
  await viewer.getByRole("button", { name: "Pause" }).click();
});

await step("next and previous, on to the next memory", async () => {
  await viewer.getByRole("button", { name: "Next" }).click();
  await showing(first.assets[1]);
  assert.equal(await viewer.locator(".memory-count").textContent(), `2 / ${first.assets.length}`);
  await page.keyboard.press("ArrowLeft");
  await showing(first.assets[0]);
  assert.ok(await viewer.getByRole("button", { name: "Previous" }).isDisabled());
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await showing(second.assets[0]);
  assert.equal(await viewer.locator(".memory-heading").textContent(), second.title);
  assert.ok(await viewer.getByRole("button", { name: "Next" }).isDisabled(), "the last photo of the last memory");
});

await step("Escape closes it; both memories were marked seen", async () => {
  await page.keyboard.press("Escape");
  await viewer.waitFor({ state: "detached" });
  for (const { id } of setup.memories) {
    let seen = null;
    for (let i = 0; i < 50 && !seen; i++) {
      seen = await page.evaluate(async (id) => (await (await fetch(`/api/memories/${id}`)).json()).seenAt, id);
      if (!seen) await page.waitForTimeout(100);
    }
    assert.ok(seen, `memory ${id} seen`);
  }
  await page.locator(".memory-lane").waitFor();
});

await step("Close closes it too", async () => {
  await page.locator(`.memory-card[data-id="${second.id}"]`).click();
  await showing(second.assets[0]);
  await viewer.getByRole("button", { name: "Close" }).click();
  await viewer.waitFor({ state: "detached" });
});

await finish(browser);
