// Scrolling a large library in Chromium: signs in and scrolls the timeline two ways, reporting
// how long each step took to paint (two animation frames after the scroll) and how many tiles
// the page held at most.
// - Flinging: one screen per step, 200 steps from the top, then 40 steps from each of ten points
//   spread down to the bottom (as a scrubber jump lands). Images wait until scrolling slows.
// - Browsing: an eighth of a screen per step (about 3.5 screens a second), 400 steps, slow
//   enough that thumbnails are fetched and decoded while the page moves.
// Usage: node web-scroll.mjs <base-url> <compat-dir> <email> <password>
// (WEB_SCROLL_TRACE, WEB_SCROLL_PROFILE and WEB_SCROLL_CSS: see benches/web_scroll.rs.)

import { launch } from "./browser.mjs";

const [base, compat, email, password] = process.argv.slice(2);
const browser = await launch(compat);
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
// Progress and the page's messages on stderr: a run that stalls says where.
const progress = (what) => process.stderr.write(`${new Date().toISOString()} ${what}\n`);
page.on("console", (m) => progress(`page ${m.type()}: ${m.text()}`));
page.on("pageerror", (e) => progress(`page error: ${e.message}`));
await page.goto(base);
await page.fill("input[name=email]", email);
await page.fill("input[name=password]", password);
await page.click("button[type=submit]");
await page.locator(".month").first().waitFor();
progress("signed in, months shown");
await page.waitForFunction(() => document.querySelectorAll(".tile.loaded").length > 0);
progress("first thumbnails shown");
// WEB_SCROLL_TRACE=<file>: a Chrome trace of both phases (open it in chrome://tracing or
// Perfetto), each step marked as a user timing measure named by its phase.
const tracePath = process.env.WEB_SCROLL_TRACE;
// WEB_SCROLL_CSS=<rules>: appended to the page's styles (to compare a change without a build).
if (process.env.WEB_SCROLL_CSS) await page.addStyleTag({ content: process.env.WEB_SCROLL_CSS });
// WEB_SCROLL_PROFILE=<file>: the page's JavaScript CPU profile of both phases (.cpuprofile).
const profilePath = process.env.WEB_SCROLL_PROFILE;
const cdp = profilePath && (await page.context().newCDPSession(page));
if (cdp) {
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
}
if (tracePath) {
  await browser.startTracing(page, {
    path: tracePath,
    categories: ["devtools.timeline", "disabled-by-default-devtools.timeline", "v8.execute", "blink.user_timing", "toplevel", "cc", "benchmark"],
  });
}

// A watchdog: every 20 s, where the scroll is (phase and step), or that the page's main thread
// did not answer within 5 s (busy: a script or the page's rendering), so a stalled run says how.
// (Not the script's stack: pausing a busy page needs the debugger enabled from the start, which
// would weigh on the figures.) Headless Chromium on this VM has stopped drawing frames mid-run
// (two runs of twelve in one session: the page answering, no animation frame for minutes):
// after 20 s without a step it is nudged (brought to the front, the mouse moved), and after a
// minute the run ends with exit code 3 (STALLED), which the bench reports and runs again.
const STALLED = 3;
const watchdog = await page.context().newCDPSession(page);
const timeout = (ms) => new Promise((resolve) => setTimeout(() => resolve(null), ms));
let lastAt = null;
let stillFor = 0; // watchdog rounds without a step
const watching = setInterval(async () => {
  const answer = await Promise.race([
    watchdog.send("Runtime.evaluate", {
      expression: "JSON.stringify({ ...window.scrollProgress, scrollY, hidden: document.hidden, tiles: document.querySelectorAll('.tile').length })",
      returnByValue: true,
    }).catch(() => null), // (the browser closing)
    timeout(5000),
  ]);
  if (!answer) return progress("the page's main thread did not answer within 5 s");
  const at = answer.result.value;
  stillFor = at === lastAt ? stillFor + 1 : 0;
  lastAt = at;
  progress(`at ${at}`);
  if (stillFor === 1) {
    progress("no step for 20 s while the page answers: no frame drawn; nudging the browser");
    await page.bringToFront().catch(() => {});
    await page.mouse.move(5, 5).catch(() => {});
  }
  if (stillFor >= 3) {
    progress("stalled: no frame drawn for a minute");
    process.exit(STALLED);
  }
}, 20000);

const result = await page.evaluate(async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  let maxTiles = 0;
  const stats = (steps, started) => {
    steps.sort((a, b) => a - b);
    return {
      steps: steps.length,
      totalMs: performance.now() - started,
      medianMs: steps[Math.floor(steps.length / 2)],
      p95Ms: steps[Math.floor(steps.length * 0.95)],
      maxMs: steps[steps.length - 1],
    };
  };
  const step = async (steps, dy, phase) => {
    const t = performance.now();
    window.scrollBy(0, dy);
    await frame();
    await frame();
    const took = performance.now() - t;
    performance.measure(phase, { start: t, duration: took });
    steps.push(took);
    window.scrollProgress = { phase, step: steps.length };
    maxTiles = Math.max(maxTiles, document.querySelectorAll(".tile").length);
  };

  const fling = [];
  let started = performance.now();
  for (let i = 0; i < 200; i++) await step(fling, window.innerHeight, "fling");
  for (let k = 1; k <= 10; k++) {
    const height = document.documentElement.scrollHeight;
    window.scrollTo(0, (height * k) / 10 - window.innerHeight * 41);
    await frame();
    for (let i = 0; i < 40; i++) await step(fling, window.innerHeight, "fling");
  }
  const flinging = stats(fling, started);
  console.log("flinging done");

  window.scrollTo(0, document.documentElement.scrollHeight / 3);
  await pause(500);
  const read = [];
  let images = 0;
  const counted = new Set();
  started = performance.now();
  for (let i = 0; i < 400; i++) {
    await step(read, window.innerHeight / 8, "browse");
    for (const img of document.querySelectorAll(".tile.loaded")) {
      if (!counted.has(img)) {
        counted.add(img);
        images++;
      }
    }
  }
  const browsing = { ...stats(read, started), images };
  return { flinging, browsing, maxTiles, months: document.querySelectorAll(".month").length };
});
clearInterval(watching);
if (tracePath) await browser.stopTracing();
if (cdp) {
  const { profile } = await cdp.send("Profiler.stop");
  (await import("node:fs")).writeFileSync(profilePath, JSON.stringify(profile));
}
console.log(JSON.stringify(result));
await browser.close();
