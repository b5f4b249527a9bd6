// The timeline of a library of thousands (generated, 240 months over 20 years) in Chromium: the
// page holds a bounded number of tiles, rows are justified to the page's width, the scrubber
// jumps to a year and to a point of the timeline, images are asked for once scrolling stops, the
// viewer steps across months it has not loaded, shift-click selects across months, and a phone-width
// window lays the grid out again.
// Screenshots of every step. Usage: node web-grid.mjs <base-url> <compat-dir> <screenshot-dir>

import path from "node:path";
import fs from "node:fs";
import assert from "node:assert/strict";
import { launch, stepsOn } from "./browser.mjs";

const [base, compat, shots] = process.argv.slice(2);
fs.mkdirSync(shots, { recursive: true });
for (const f of fs.readdirSync(shots)) if (f.startsWith("grid-")) fs.rmSync(path.join(shots, f));

const browser = await launch(compat);
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
const page = await context.newPage();
const { step, watch, finish } = stepsOn(page, shots, "grid-");

// The month (data-bucket) under the top bar, and the number of tiles in the page.
const monthAtTop = () =>
  page.evaluate(() => {
    const bar = document.querySelector(".topbar").getBoundingClientRect().bottom;
    // By geometry, not `elementFromPoint`: a grid just scrolled takes no pointer for a moment.
    const y = bar + 30;
    const under = [...document.querySelectorAll(".month")].find((m) => {
      const r = m.getBoundingClientRect();
      return r.top <= y && r.bottom > y;
    });
    return under?.dataset.bucket;
  });
const tileCount = () => page.evaluate(() => document.querySelectorAll(".tile").length);
// Resolves once the page has scrolled and drawn (two frames without a scroll change).
const settled = () =>
  page.waitForFunction(
    () =>
      new Promise((resolve) => {
        const y = window.scrollY;
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(window.scrollY === y)));
      }),
  );
// Every drawn day's rows: full rows as wide as the grid, no tiles overlapping (a day that fits
// one row is not stretched).
const checkRows = () =>
  page.evaluate(() => {
    const width = document.querySelector(".vgrid").getBoundingClientRect().width;
    const faults = [];
    let rowsChecked = 0;
    const days = new Map();
    for (const t of document.querySelectorAll(".month .grid .tile")) {
      const key = `${t.closest(".month").dataset.bucket} ${t.dataset.day}`;
      if (!days.has(key)) days.set(key, []);
      days.get(key).push(t);
    }
    for (const tiles of days.values()) {
      const rows = new Map();
      for (const t of tiles) {
        const top = Math.round(parseFloat(t.style.top));
        if (!rows.has(top)) rows.set(top, []);
        rows.get(top).push(t.getBoundingClientRect());
      }
      const tops = [...rows.keys()].sort((a, b) => a - b);
      tops.forEach((top, i) => {
        const rects = rows.get(top).sort((a, b) => a.left - b.left);
        for (let j = 1; j < rects.length; j++) {
          if (rects[j].left < rects[j - 1].right - 0.5) faults.push(`overlap in row ${top}`);
        }
        const used = rects[rects.length - 1].right - rects[0].left;
        // The last row of a day may be short; the others fill the width.
        const last = i === tops.length - 1;
        if (!last) {
          rowsChecked++;
          if (Math.abs(used - width) > 1.5) faults.push(`row ${top} is ${used.toFixed(1)} of ${width.toFixed(1)}px`);
        }
      });
    }
    return { faults, rowsChecked };
  });

await step("sign in to a library of thousands", async () => {
  await page.goto(base);
  await page.fill("input[name=email]", "admin@example.com");
  await page.fill("input[name=password]", "admin-password");
  await page.click("button[type=submit]");
  await page.waitForFunction(() => document.querySelectorAll(".tile").length > 0);
  assert.equal(await page.locator(".month").count(), 240, "every month has its box");
  const tiles = await tileCount();
  assert.ok(tiles > 0 && tiles < 300, `${tiles} tiles in the page`);
  const { faults, rowsChecked } = await checkRows();
  assert.ok(rowsChecked >= 2, `rows checked: ${rowsChecked}`);
  assert.deepEqual(faults, []);
});

await step("a year on the scrubber opens that year", async () => {
  const labels = await page.locator(".scrubber [data-year]").count();
  assert.ok(labels >= 10, `${labels} year labels`);
  await page.locator('.scrubber [data-year="2015"]').click();
  await settled();
  await page.waitForFunction(() => document.querySelectorAll('.month[data-bucket^="2015"] .tile').length > 0);
  await settled();
  const month = await monthAtTop();
  assert.ok(month?.startsWith("2015-12"), `month at the top: ${month}`);
  assert.ok((await tileCount()) < 300);
});

await step("pressing the middle of the scrubber scrolls to the middle", async () => {
  const box = await page.locator(".scrubber").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const hover = await page.locator(".scrub-hover").textContent();
  assert.match(hover, /\d{4}/, "the month under the pointer is shown");
  await page.mouse.down();
  await page.mouse.up();
  await settled();
  await page.waitForFunction(() => document.querySelectorAll(".tile").length > 0);
  await settled();
  const year = Number((await monthAtTop())?.slice(0, 4));
  assert.ok(year >= 2012 && year <= 2017, `year at the top: ${year}`);
  const { faults } = await checkRows();
  assert.deepEqual(faults, []);
});

await step("images are asked for once scrolling stops", async () => {
  await page.waitForFunction(() => {
    const view = window.innerHeight;
    const visible = [...document.querySelectorAll(".tile")].filter((t) => {
      const r = t.getBoundingClientRect();
      return r.bottom > 0 && r.top < view;
    });
    return visible.length > 0 && visible.every((t) => t.querySelector("img").getAttribute("src"));
  });
});

await step("a fling asks for no images, also when months arrive during it", async () => {
  // A month's assets arriving draws the page without a scroll; that must not count as the
  // scrolling having stopped (it once asked for every waiting tile's image at each arrival).
  // Counted from the fling's fifth step (its first scroll starts from rest, and the tiles then
  // on screen ask), by when each request started on the browser's clock: a request's event can
  // reach this script after the page has moved on.
  const requests = [];
  const record = (r) => requests.push(r);
  page.on("request", record);
  const fling = await page.evaluate(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const seen = new Set();
    let slowestStep = 0;
    let from = 0;
    for (let i = 0; i < 40; i++) {
      const started = performance.now();
      // A screen every other frame, as the bench flings: the frames between, months arrive.
      window.scrollBy(0, window.innerHeight);
      await frame();
      await frame();
      if (i === 4) from = Date.now();
      if (i > 4) slowestStep = Math.max(slowestStep, performance.now() - started);
      for (const tile of document.querySelectorAll(".tile")) seen.add(tile.dataset.id);
    }
    return { flown: seen.size, slowestStep, tilesInPage: document.querySelectorAll(".tile").length, from, to: Date.now() };
  });
  await page.waitForTimeout(500); // the events of the last requests
  page.off("request", record);
  const asked = (what) =>
    requests.filter((r) => r.url().includes(what) && r.timing().startTime >= fling.from && r.timing().startTime <= fling.to).length;
  const during = { thumbnails: asked("/thumbnail"), months: asked("/timeline/bucket?") };
  assert.ok(during.months >= 5, `months fetched during the fling: ${during.months}`);
  const said = `${during.thumbnails} thumbnails asked for while flying past ${fling.flown} tiles (slowest step ${fling.slowestStep.toFixed(0)} ms)`;
  // A step slower than the settling delay (150 ms) is a pause: the tiles then in the page may
  // ask, once.
  if (fling.slowestStep < 150) assert.equal(during.thumbnails, 0, said);
  else assert.ok(during.thumbnails <= fling.tilesInPage, said);
  // Once still, the tiles on screen and those drawn ahead of it all get their images.
  await settled();
  await page.waitForFunction(() => [...document.querySelectorAll(".tile img")].every((i) => i.getAttribute("src")));
});

await step("tiles sliding under a still mouse are not hovered until scrolling pauses", async () => {
  // Each tile hovered in turn cost every frame a hit test, a check repainted and the link's
  // address sent to the browser (grid.js, holdPointer).
  await settled();
  await page.mouse.move(700, 500);
  const hovered = await page.evaluate(async () => {
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const tiles = new Set();
    const count = (e) => {
      const tile = e.target.closest?.(".tile");
      if (tile) tiles.add(tile.dataset.id);
    };
    document.addEventListener("mouseover", count, true);
    for (let i = 0; i < 30; i++) {
      window.scrollBy(0, 60);
      await frame();
      await frame();
    }
    document.removeEventListener("mouseover", count, true);
    return tiles.size;
  });
  // 30 steps of 60 px under the mouse pass over about eight rows of tiles.
  assert.equal(hovered, 0, `tiles hovered while scrolling: ${hovered}`);
  // Still again, the grid takes the pointer: a tile under it is hovered.
  const box = await page.evaluate(() => {
    const r = [...document.querySelectorAll(".tile")]
      .map((t) => t.getBoundingClientRect())
      .find((r) => r.top > 100 && r.bottom < window.innerHeight);
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  });
  await page.mouse.move(box.x, box.y);
  await page.waitForFunction(() => document.querySelector(".tile:hover"));
});

await step("the viewer steps into a month not loaded yet", async () => {
  await page.evaluate(() => window.scrollTo(0, 0));
  await settled();
  // The last tile of the newest month, then the next asset: the first of the month after.
  const buckets = await page.evaluate(async () => (await fetch("/api/timeline/buckets?visibility=timeline&order=desc")).json());
  const next = await page.evaluate(
    async (b) => (await fetch(`/api/timeline/bucket?visibility=timeline&order=desc&timeBucket=${encodeURIComponent(b)}`)).json(),
    buckets[1].timeBucket,
  );
  const first = page.locator(`.month[data-bucket="${buckets[0].timeBucket}"] .tile`);
  await first.last().click();
  await page.locator(".viewer").waitFor();
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction((id) => document.querySelector(".viewer")?.dataset.id === id, next.id[0]);
  await page.keyboard.press("ArrowLeft");
  const lastId = await first.last().getAttribute("data-id");
  await page.waitForFunction((id) => document.querySelector(".viewer")?.dataset.id === id, lastId);
  await page.keyboard.press("Escape");
});

await step("a photo's address opens the viewer, which steps, and closing shows its tile", async () => {
  const month = await page.evaluate(
    async () => (await fetch("/api/timeline/bucket?visibility=timeline&order=desc&timeBucket=2010-06-01")).json(),
  );
  await page.goto(`${base}/photos/${month.id[3]}`);
  await page.locator(".viewer").waitFor();
  await page.waitForFunction((id) => document.querySelector(".viewer")?.dataset.id === id, month.id[3]);
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction((id) => document.querySelector(".viewer")?.dataset.id === id, month.id[4]);
  await page.keyboard.press("Escape");
  await page.locator(`.tile[data-id="${month.id[4]}"]`).waitFor();
  await settled();
  const box = await page.locator(`.tile[data-id="${month.id[4]}"]`).boundingBox();
  assert.ok(box && box.y > 0 && box.y + box.height <= 800, `the tile is on screen: ${JSON.stringify(box)}`);
});

await step("shift-click selects a range across months", async () => {
  await page.evaluate(() => window.scrollTo(0, 0));
  await settled();
  const buckets = await page.evaluate(async () => (await fetch("/api/timeline/buckets?visibility=timeline&order=desc")).json());
  await page.locator(`.month[data-bucket="${buckets[0].timeBucket}"] .tile .check`).first().click();
  await page.getByText("1 selected").waitFor();
  await page.locator(`.month[data-bucket="${buckets[1].timeBucket}"] .tile .check`).first().click({ modifiers: ["Shift"] });
  await page.getByText(`${buckets[0].count + 1} selected`).waitFor();
  const marked = await page.locator(".tile.selected").count();
  assert.equal(marked, buckets[0].count + 1);
  await page.getByRole("button", { name: "Clear" }).click();
});

await step("a click is not lost to a scroll: during the press, or just before it", async () => {
  await page.evaluate(() => window.scrollTo(0, 0));
  await settled();
  const checkAt = async (n) => {
    const box = await page.locator(".tile .check").nth(n).boundingBox();
    return [box.x + box.width / 2, box.y + box.height / 2];
  };
  const selected = (n) => page.locator(".tile").nth(n).evaluate((t) => t.classList.contains("selected"));
  // The page scrolls a few pixels while the button is down (a month arriving above, a focus):
  // the release still lands on the check.
  await page.mouse.move(...(await checkAt(0)));
  await page.mouse.down();
  const scrollAndDraw = (dy) =>
    page.evaluate((dy) => {
      window.scrollBy(0, dy);
      return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    }, dy);
  await scrollAndDraw(4);
  await page.mouse.up();
  await page.getByText("1 selected").waitFor();
  assert.ok(await selected(0));
  // Scrolled with the mouse still, then moved onto a check and pressed at once: the grid is
  // back under the pointer as soon as the mouse moves.
  await scrollAndDraw(40);
  await page.mouse.move(...(await checkAt(1)));
  await page.mouse.down();
  await page.mouse.up();
  await page.getByText("2 selected").waitFor();
  assert.ok(await selected(1));
  await page.getByRole("button", { name: "Clear" }).click();
});

await step("the end of the timeline", async () => {
  // The page is drawn again after the selection is cleared: its new scrubber.
  await page.locator(".scrubber").waitFor();
  await settled();
  const box = await page.locator(".scrubber").boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height - 1);
  await page.mouse.down();
  await page.mouse.up();
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await settled();
  await page.waitForFunction(() => document.querySelectorAll('.month[data-bucket^="2005-01"] .tile').length > 0);
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await settled();
  const last = await page.evaluate(() => {
    const tiles = [...document.querySelectorAll('.month[data-bucket^="2005-01"] .tile')];
    return tiles.length && Math.max(...tiles.map((t) => t.getBoundingClientRect().bottom));
  });
  assert.ok(last > 0 && last <= 800, `the oldest month's last row is on screen (bottom ${last})`);
});

await step("a phone-width window lays the grid out again", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await settled();
  await page.waitForFunction(() => document.querySelectorAll(".tile").length > 0);
  await settled();
  const { faults } = await checkRows();
  assert.deepEqual(faults, []);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `page wider than the phone by ${overflow}px`);
  assert.ok((await tileCount()) < 300);
  assert.ok(await page.locator(".scrubber").isVisible(), "the scrubber is there on phones");
});

await finish(browser);
