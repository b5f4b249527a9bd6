// Scrolling a large library in Chromium: signs in, scrolls the timeline one screen at a time
// (200 steps from the top, then 40 steps from each of ten points spread down to the bottom, as a
// scrubber jump would land), and reports how many tiles the page holds at most, how long each
// step took to paint (two animation frames after the scroll), and the total time.
// Usage: node web-scroll.mjs <base-url> <compat-dir> <email> <password>

import path from "node:path";

const [base, compat, email, password] = process.argv.slice(2);
const { chromium } = await import(path.join(compat, "node_modules/playwright-core/index.mjs"));
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
await page.goto(base);
await page.fill("input[name=email]", email);
await page.fill("input[name=password]", password);
await page.click("button[type=submit]");
await page.locator(".month").first().waitFor();
await page.waitForFunction(() => document.querySelectorAll(".tile").length > 0);

const result = await page.evaluate(async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const steps = [];
  let maxTiles = 0;
  const started = performance.now();
  const scroll = async (count) => {
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      window.scrollBy(0, window.innerHeight);
      await frame();
      await frame();
      steps.push(performance.now() - t);
      maxTiles = Math.max(maxTiles, document.querySelectorAll(".tile").length);
    }
  };
  await scroll(200);
  for (let k = 1; k <= 10; k++) {
    const height = document.documentElement.scrollHeight;
    window.scrollTo(0, (height * k) / 10 - window.innerHeight * 41);
    await frame();
    await scroll(40);
  }
  steps.sort((a, b) => a - b);
  return {
    steps: steps.length,
    totalMs: performance.now() - started,
    medianMs: steps[Math.floor(steps.length / 2)],
    p95Ms: steps[Math.floor(steps.length * 0.95)],
    maxMs: steps[steps.length - 1],
    maxTiles,
    months: document.querySelectorAll(".month").length,
  };
});
console.log(JSON.stringify(result));
await browser.close();
