// What the browser scripts share: Debian's Chromium driven by playwright-core, and a run of named
// steps that counts passes and failures, saves a screenshot after each step, and fails the run
// if a page reported an error.

import http from "node:http";
import path from "node:path";

export async function launch(compat) {
  const { chromium } = await import(path.join(compat, "node_modules/playwright-core/index.mjs"));
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    // The machines tests run on have no GPU: maps (MapLibre, WebGL) draw with SwiftShader.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--enable-unsafe-swiftshader"],
  });
}

/// Steps over `page`, screenshots named `<prefix><number>-<step>.png` in `shots`.
export function stepsOn(page, shots, prefix = "") {
  let passed = 0;
  let failed = 0;
  const problems = [];
  const run = {
    /// Records the errors `tab` reports (uncaught exceptions; console errors other than refused
    /// requests, which are part of the flows: 401 before sign-in, 404 for missing thumbnails).
    watch(tab, label = "") {
      tab.on("pageerror", (e) => problems.push(`${label}page error: ${e.message}`));
      tab.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && problems.push(`${label}console: ${m.text()}`));
    },
    async step(name, fn) {
      try {
        await fn();
        passed++;
        console.log(`ok   ${name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${name}: ${e.stack || e}`);
      }
      const number = String(passed + failed).padStart(2, "0");
      await page.screenshot({ path: path.join(shots, `${prefix}${number}-${name.replace(/\W+/g, "-")}.png`) });
    },
    /// Closes the browser, prints the tally and exits non-zero on any failure.
    async finish(browser) {
      if (problems.length) {
        failed++;
        console.log(`FAIL the page reported errors:\n${problems.join("\n")}`);
      }
      await browser.close();
      console.log(`${passed} passed, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    },
  };
  run.watch(page);
  return run;
}

/// A map style served on an ephemeral local port, as the admin's `map.lightStyle` would be from a
/// tile server (no network here): land only, no tiles. Resolves to the style's URL.
export function serveMapStyle() {
  const style = { version: 8, sources: {}, layers: [{ id: "land", type: "background", paint: { "background-color": "#b9d3a0" } }] };
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "access-control-allow-origin": "*" });
      res.end(JSON.stringify(style));
    });
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}/style.json`));
    server.unref();
  });
}
