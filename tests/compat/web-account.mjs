// The account pages in a real browser (Debian's Chromium, driven by playwright-core) against the
// real server: the welcome after the first sign-up (shown once), the theme (kept over a reload,
// overriding the system's), the profile and its picture in the header, the password, API keys
// (a new key works, a narrow key is refused, a deleted key stops working), sessions (logging one
// out ends its token), preferences, partner sharing (a partner added and removed, theirs shown
// in the timeline and on their page), and the admin's users (create, edit, statistics, a reset
// password that signs in and is then changed by its owner, delete and restore, delete now), at a
// phone's width too.
// Other users and sessions are made through the API (fetch) to save time. Each step saves a
// screenshot. Usage: node web-account.mjs <base-url> <compat-dir> <screenshot-dir> <photo>

import fs from "node:fs";
import path from "node:path";
import assert from "node:assert/strict";
import { launch, stepsOn } from "./browser.mjs";

const [base, compat, shots, photo] = process.argv.slice(2);
fs.rmSync(shots, { recursive: true, force: true });
fs.mkdirSync(shots, { recursive: true });

const browser = await launch(compat);
const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
const page = await context.newPage();
const { step, watch, finish } = stepsOn(page, shots);

/// `method /api<path>` from here (Node), with `headers`; the status and the JSON answer.
async function call(method, path, { body, headers = {} } = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(`${base}/api${path}`, init);
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}
const bearer = (token) => ({ authorization: `Bearer ${token}` });

/// A new session of `email` (as another device would sign in): its token.
async function signIn(email, password) {
  const r = await call("POST", "/auth/login", { body: { email, password } });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  return r.json;
}

/// What the page's own session gets for `GET /api<path>` (the cookie).
const fromPage = (path) => page.evaluate((p) => fetch(`/api${p}`).then((r) => r.json()), path);

/// Waits (up to 20 s) until `check` answers true.
async function until(check, what) {
  for (const start = Date.now(); !(await check()); ) {
    if (Date.now() - start > 20000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const ADA = { email: "ada@example.com", password: "a good password" };
const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
const LIGHT_BG = "rgb(250, 250, 250)";
const DARK_BG = "rgb(18, 18, 22)";

await step("the first sign-up leads to the welcome, with the theme and storage template", async () => {
  await page.goto(base);
  await page.getByRole("heading", { name: "Welcome to Ferrotype" }).waitFor();
  await page.fill("input[name=name]", "Ada");
  await page.fill("input[name=email]", ADA.email);
  await page.fill("input[name=password]", ADA.password);
  await page.fill("input[name=confirm]", ADA.password);
  await page.click("button[type=submit]");
  await page.getByRole("heading", { name: "Welcome, Ada" }).waitFor();
  assert.equal(await page.title(), "Welcome – Ferrotype");
  await page.getByText("Step 1 of 4").waitFor();
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("heading", { name: "Theme" }).waitFor();
  await page.getByRole("radio", { name: "Dark" }).check();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.equal(await background(), DARK_BG);
  await page.screenshot({ path: path.join(shots, "onboarding-theme.png") });
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("heading", { name: "Storage template" }).waitFor();
  const template = page.getByRole("checkbox", { name: "Store files by the storage template" });
  assert.equal(await template.isChecked(), false);
  await template.check();
  await until(async () => (await fromPage("/system-config")).storageTemplate.enabled, "the storage template on");
  await page.getByRole("button", { name: "Next" }).click();
  await page.getByRole("heading", { name: "Done" }).waitFor();
  await page.getByRole("button", { name: "Go to the photos" }).click();
  await page.locator("#upload-button").waitFor();
  assert.equal(new URL(page.url()).pathname, "/photos");
  assert.deepEqual(await fromPage("/users/me/onboarding"), { isOnboarded: true });
  assert.deepEqual(await fromPage("/system-metadata/admin-onboarding"), { isOnboarded: true });
});

await step("the welcome is not shown again", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in to Ferrotype" }).waitFor();
  await page.fill("input[name=email]", ADA.email);
  await page.fill("input[name=password]", ADA.password);
  await page.click("button[type=submit]");
  await page.locator("#upload-button").waitFor();
  assert.equal(new URL(page.url()).pathname, "/photos");
  // Its address, once done, leads to the photos.
  await page.goto(`${base}/onboarding`);
  await page.locator("#upload-button").waitFor();
  assert.equal(new URL(page.url()).pathname, "/photos");
});

await step("the theme chosen survives a reload and overrides the system's", async () => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.reload();
  await page.locator("#upload-button").waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
  assert.equal(await background(), DARK_BG, "dark although the system is light");
  await page.getByRole("link", { name: /^Ada\W+account settings$/ }).click();
  await page.getByRole("heading", { name: "Account settings" }).waitFor();
  assert.equal(await page.title(), "Account settings – Ferrotype");
  assert.equal(await page.getByRole("link", { name: /^Ada\W+account settings$/ }).getAttribute("aria-current"), "page");
  await page.emulateMedia({ colorScheme: "dark" });
  await page.getByRole("radio", { name: "Light" }).check();
  assert.equal(await background(), LIGHT_BG, "light although the system is dark");
  // Applied by the page itself, before any module runs (no flash of the other theme).
  await page.route("**/app.js", (r) => r.abort());
  await page.reload();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "light");
  assert.equal(await background(), LIGHT_BG, "before the app loads");
  await page.unroute("**/app.js");
  await page.reload();
  await page.getByRole("heading", { name: "Account settings" }).waitFor();
  assert.equal(await background(), LIGHT_BG);
  assert.equal(await page.getByRole("radio", { name: "Light" }).isChecked(), true);
  await page.getByRole("radio", { name: "System" }).check();
  assert.equal(await page.evaluate(() => document.documentElement.hasAttribute("data-theme")), false);
  assert.equal(await background(), DARK_BG, "the system's again");
  await page.emulateMedia({ colorScheme: "light" });
  assert.equal(await background(), LIGHT_BG);
});

await step("profile: the name and the picture, shown in the header", async () => {
  const profile = page.locator("section#profile, section[aria-labelledby=profile]");
  assert.equal(await profile.locator("input[name=email]").inputValue(), ADA.email);
  assert.equal(await profile.locator("input[name=email]").isEditable(), false, "the email is read-only");
  await profile.locator("input[name=name]").fill("Ada Lovelace");
  await profile.getByRole("button", { name: "Save" }).click();
  await profile.getByText("Saved").waitFor();
  await page.locator("header .who", { hasText: "Ada Lovelace" }).waitFor();
  await profile.locator("input[type=file]").setInputFiles(photo);
  await profile.getByText("Profile picture updated").waitFor();
  const headerPicture = page.locator("header img.avatar");
  await headerPicture.waitFor();
  await page.waitForFunction(() => document.querySelector("header img.avatar").naturalWidth > 0);
  assert.match(await headerPicture.getAttribute("src"), /^\/api\/users\/[0-9a-f-]+\/profile-image/);
  await profile.getByRole("button", { name: "Remove the picture" }).click();
  await profile.getByText("Profile picture removed").waitFor();
  assert.equal(await page.locator("header img.avatar").count(), 0);
  await page.locator("header span.avatar", { hasText: "A" }).waitFor();
  assert.equal((await fromPage("/users/me")).name, "Ada Lovelace");
});

await step("password: the server's refusal, a mismatch, then a change that signs in", async () => {
  const form = page.locator("section[aria-labelledby=password]");
  await form.locator("input[name=password]").fill("not my password");
  await form.locator("input[name=newPassword]").fill("a better password");
  await form.locator("input[name=confirm]").fill("a better password");
  await form.getByRole("button", { name: "Change the password" }).click();
  await form.getByText("Wrong password").waitFor();
  await form.locator("input[name=password]").fill(ADA.password);
  await form.locator("input[name=confirm]").fill("a better passwor");
  await form.getByRole("button", { name: "Change the password" }).click();
  await form.getByText("The passwords do not match").waitFor();
  await form.locator("input[name=confirm]").fill("a better password");
  await form.getByRole("button", { name: "Change the password" }).click();
  await form.getByText("Password changed").waitFor();
  ADA.password = "a better password";
  await signIn(ADA.email, ADA.password);
  assert.equal((await call("POST", "/auth/login", { body: { email: ADA.email, password: "a good password" } })).status, 401);
});

await step("API keys: all permissions by default, the secret shown once and copied, and it works", async () => {
  const keys = page.locator("section[aria-labelledby=api-keys]");
  await keys.getByText("No API keys yet").waitFor();
  await keys.getByRole("button", { name: "New API key" }).click();
  const dialog = page.getByRole("dialog", { name: "New API key" });
  await dialog.locator("input[name=name]").fill("Backup script");
  assert.equal(await dialog.getByRole("checkbox", { name: "All permissions" }).isChecked(), true);
  await dialog.getByRole("button", { name: "Create" }).click();
  const shown = page.getByRole("dialog", { name: "API key created" });
  const secret = await shown.locator("input.secret").inputValue();
  assert.ok(secret.length >= 20, secret);
  await shown.getByRole("button", { name: "Copy" }).click();
  await shown.getByText("Copied").waitFor();
  await page.screenshot({ path: path.join(shots, "api-key-secret.png") });
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  await shown.getByRole("button", { name: "Done" }).click();
  await keys.getByText("Backup script").waitFor();
  const me = await call("GET", "/users/me", { headers: { "x-api-key": secret } });
  assert.equal(me.status, 200);
  assert.equal(me.json.email, ADA.email);
  globalThis.fullKey = secret;
});

await step("API keys: a key with chosen permissions can do only those, and more once given them", async () => {
  const keys = page.locator("section[aria-labelledby=api-keys]");
  await keys.getByRole("button", { name: "New API key" }).click();
  const dialog = page.getByRole("dialog", { name: "New API key" });
  await dialog.locator("input[name=name]").fill("Reader");
  await dialog.getByRole("checkbox", { name: "All permissions" }).uncheck();
  await dialog.getByRole("checkbox", { name: "server.about", exact: true }).check();
  await page.screenshot({ path: path.join(shots, "api-key-permissions.png") });
  await dialog.getByRole("button", { name: "Create" }).click();
  const shown = page.getByRole("dialog", { name: "API key created" });
  const secret = await shown.locator("input.secret").inputValue();
  await shown.getByRole("button", { name: "Close" }).click();
  await keys.locator("li", { hasText: "Reader" }).getByText("server.about").waitFor();
  const key = { "x-api-key": secret };
  assert.equal((await call("GET", "/server/about", { headers: key })).status, 200);
  const refused = await call("GET", "/users/me", { headers: key });
  assert.equal(refused.status, 403);
  assert.match(refused.json.message, /Missing required permission: user.read/);
  // Given one more permission, the same key may do that too.
  await keys.getByRole("button", { name: "Edit Reader" }).click();
  const edit = page.getByRole("dialog", { name: "Edit Reader" });
  assert.equal(await edit.getByRole("checkbox", { name: "All permissions" }).isChecked(), false);
  assert.equal(await edit.getByRole("checkbox", { name: "server.about", exact: true }).isChecked(), true);
  await edit.getByRole("checkbox", { name: "user.read", exact: true }).check();
  await edit.getByRole("button", { name: "Save" }).click();
  await keys.locator("li", { hasText: "Reader" }).getByText("server.about, user.read").waitFor();
  assert.equal((await call("GET", "/users/me", { headers: key })).status, 200);
});

await step("API keys: rename and delete (after a confirmation), and the deleted key stops working", async () => {
  const keys = page.locator("section[aria-labelledby=api-keys]");
  await keys.getByRole("button", { name: "Edit Backup script" }).click();
  const rename = page.getByRole("dialog", { name: "Edit Backup script" });
  await rename.locator("input[name=name]").fill("Nightly backup");
  await rename.getByRole("button", { name: "Save" }).click();
  await keys.locator("li strong", { hasText: "Nightly backup" }).waitFor();
  await keys.getByRole("button", { name: "Delete Nightly backup" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete the API key" });
  await confirm.getByRole("button", { name: "Cancel" }).click();
  assert.equal(await keys.locator("li strong", { hasText: "Nightly backup" }).count(), 1, "Cancel keeps it");
  await keys.getByRole("button", { name: "Delete Nightly backup" }).click();
  await confirm.getByRole("button", { name: "Delete" }).click();
  await keys.locator("li strong", { hasText: "Nightly backup" }).waitFor({ state: "detached" });
  assert.equal((await call("GET", "/users/me", { headers: { "x-api-key": globalThis.fullKey } })).status, 401);
});

await step("sessions: the current one marked, another logged out ends its token", async () => {
  const phone = await signIn(ADA.email, ADA.password);
  const phoneSession = (await call("GET", "/sessions", { headers: bearer(phone.accessToken) })).json.find((s) => s.current);
  await page.reload();
  const sessions = page.locator("section[aria-labelledby=sessions]");
  await sessions.locator(`li[data-session="${phoneSession.id}"]`).waitFor();
  assert.equal(await sessions.locator("li[data-current]").count(), 1);
  await sessions.locator("li[data-current]").getByText("This device").waitFor();
  assert.equal(await sessions.locator("li[data-current] button").count(), 0, "no Log out for this device");
  await sessions.locator(`li[data-session="${phoneSession.id}"]`).getByRole("button", { name: /^Log out/ }).click();
  await sessions.locator(`li[data-session="${phoneSession.id}"]`).waitFor({ state: "detached" });
  assert.equal((await call("GET", "/users/me", { headers: bearer(phone.accessToken) })).status, 401);
});

await step("sessions: log out of all other devices", async () => {
  const others = [await signIn(ADA.email, ADA.password), await signIn(ADA.email, ADA.password)];
  await page.reload();
  const sessions = page.locator("section[aria-labelledby=sessions]");
  await sessions.getByRole("button", { name: "Log out of all other devices" }).click();
  await page.getByRole("dialog", { name: "Log out of all other devices" }).getByRole("button", { name: "Log out" }).click();
  await page.waitForFunction(() => document.querySelectorAll("section[aria-labelledby=sessions] li").length === 1);
  for (const o of others) assert.equal((await call("GET", "/users/me", { headers: bearer(o.accessToken) })).status, 401);
  assert.equal((await fromPage("/users/me")).email, ADA.email, "this device stays signed in");
});

await step("preferences: the download archive size and email notifications are saved", async () => {
  const prefs = page.locator("section[aria-labelledby=preferences]");
  assert.equal(await prefs.locator("input[name=archiveSize]").inputValue(), "4");
  await prefs.locator("input[name=archiveSize]").fill("1.5");
  await prefs.getByRole("checkbox", { name: "When I am added to an album" }).uncheck();
  await prefs.getByRole("button", { name: "Save" }).click();
  await prefs.getByText("Saved").waitFor();
  const saved = await fromPage("/users/me/preferences");
  assert.equal(saved.download.archiveSize, 1.5 * 1024 ** 3);
  assert.equal(saved.emailNotifications.albumInvite, false);
  assert.equal(saved.emailNotifications.enabled, true);
  await page.reload();
  assert.equal(await page.locator("input[name=archiveSize]").inputValue(), "1.5");
  assert.equal(await page.getByRole("checkbox", { name: "When I am added to an album" }).isChecked(), false);
});

await step("the account page by keyboard: a dialog opens with Enter and closes with Escape", async () => {
  await page.getByRole("button", { name: "New API key" }).focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "New API key" });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.closest("dialog") !== null), true, "focus moves into the dialog");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
});

/// `method /api<path>` as the page's own session (its cookie); the status and the JSON answer.
const asPage = (method, path, body) =>
  page.evaluate(async ([m, p, b]) => {
    const r = await fetch(`/api${p}`, { method: m, headers: { "content-type": "application/json" }, body: b === undefined ? undefined : JSON.stringify(b) });
    const text = await r.text();
    return { status: r.status, json: text ? JSON.parse(text) : null };
  }, [method, path, body]);

await step("partner sharing: add a partner, show theirs in the timeline and on their page, remove", async () => {
  // Pat (made through the API) uploads a photo and shares her library with Ada.
  const made = await asPage("POST", "/admin/users", { name: "Pat", email: "pat@example.com", password: "pat password" });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const pat = await signIn("pat@example.com", "pat password");
  const form = new FormData();
  form.append("assetData", new Blob([fs.readFileSync(photo)], { type: "image/jpeg" }), "pat.jpg");
  for (const [k, v] of Object.entries({ deviceAssetId: "pat-1", deviceId: "test", fileCreatedAt: "2024-05-01T10:00:00.000Z", fileModifiedAt: "2024-05-01T10:00:00.000Z" })) form.append(k, v);
  const uploaded = await (await fetch(`${base}/api/assets`, { method: "POST", headers: bearer(pat.accessToken), body: form })).json();
  const ada = await fromPage("/users/me");
  assert.equal((await call("POST", "/partners", { body: { sharedWithId: ada.id }, headers: bearer(pat.accessToken) })).status, 201);

  await page.goto(`${base}/account`);
  const partners = page.locator("section[aria-labelledby=partners]");
  await partners.getByText("You share your library with nobody.").waitFor();
  const shown = partners.getByRole("checkbox", { name: "Show Pat's photos in my timeline" });
  assert.equal(await shown.isChecked(), false);
  // Ada shares hers with Pat: chosen from the users.
  await partners.getByLabel("Share with").selectOption({ label: "Pat (pat@example.com)" });
  await partners.getByRole("button", { name: "Add a partner" }).click();
  await partners.locator(`.partners-shared-by [data-partner="${made.json.id}"]`).waitFor();
  assert.deepEqual((await fromPage("/partners?direction=shared-by")).map((p) => p.email), ["pat@example.com"]);
  // Pat's photos in Ada's timeline.
  await shown.check();
  await until(async () => (await fromPage("/partners?direction=shared-with"))[0].inTimeline === true, "shown in the timeline");
  await page.screenshot({ path: path.join(shots, "partners.png") });
  await page.goto(`${base}/photos`);
  await page.locator(`.tile[data-id="${uploaded.id}"]`).waitFor();
  // Pat's page: her photos, read-only.
  await page.goto(`${base}/account`);
  await partners.getByRole("link", { name: "View photos of Pat" }).click();
  await page.getByRole("heading", { name: "Pat's photos" }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/partners/${made.json.id}`);
  await page.locator(`.tile[data-id="${uploaded.id}"]`).waitFor();
  await page.screenshot({ path: path.join(shots, "partner-page.png") });
  // Not shown in the timeline any more, then Ada stops sharing with Pat.
  await page.goto(`${base}/account`);
  await shown.uncheck();
  await until(async () => (await fromPage("/partners?direction=shared-with"))[0].inTimeline === false, "hidden from the timeline");
  await partners.getByRole("button", { name: "Remove Pat" }).click();
  const confirm = page.getByRole("dialog", { name: "Stop sharing" });
  await confirm.getByRole("button", { name: "Remove" }).click();
  await partners.getByText("You share your library with nobody.").waitFor();
  assert.deepEqual(await fromPage("/partners?direction=shared-by"), []);
});

const users = page.locator(".admin-users");
const row = (email) => users.locator(`tr[data-user="${email}"]`);

await step("admin users: create one with a quota, and edit name, email, storage label, quota and admin", async () => {
  await page.getByRole("link", { name: "Administration" }).click();
  await row(ADA.email).waitFor();
  assert.equal(await row(ADA.email).getByRole("button", { name: /^Delete/ }).count(), 0, "no Delete for one's own account");
  await users.getByRole("button", { name: "Create a user" }).click();
  const create = page.getByRole("dialog", { name: "Create a user" });
  await create.locator("input[name=name]").fill("Carol");
  await create.locator("input[name=email]").fill("carol@example.com");
  await create.locator("input[name=password]").fill("carol password");
  await create.locator("input[name=quota]").fill("2");
  await create.getByRole("button", { name: "Create", exact: true }).click();
  await row("carol@example.com").waitFor();
  await row("carol@example.com").getByText("0 B of 2.0 GiB").waitFor();
  await row("carol@example.com").getByRole("button", { name: "Edit Carol" }).click();
  const edit = page.getByRole("dialog", { name: "Edit Carol" });
  assert.equal(await edit.locator("input[name=quota]").inputValue(), "2");
  await page.screenshot({ path: path.join(shots, "admin-user-edit.png") });
  await edit.locator("input[name=name]").fill("Caroline");
  await edit.locator("input[name=email]").fill("caroline@example.com");
  await edit.locator("input[name=storageLabel]").fill("caroline");
  await edit.locator("input[name=quota]").fill("5");
  await edit.getByRole("checkbox", { name: "Administrator" }).check();
  await edit.getByRole("button", { name: "Save" }).click();
  await row("caroline@example.com").getByText("Caroline", { exact: true }).waitFor();
  const listed = (await fromPage("/admin/users")).find((u) => u.email === "caroline@example.com");
  assert.equal(listed.storageLabel, "caroline");
  assert.equal(listed.quotaSizeInBytes, 5 * 1024 ** 3);
  assert.equal(listed.isAdmin, true);
});

await step("admin users: photos, videos and usage per user", async () => {
  const carol = await signIn("caroline@example.com", "carol password");
  const form = new FormData();
  for (const [k, v] of Object.entries({ deviceAssetId: "web-account-1", deviceId: "test", fileCreatedAt: "2024-05-01T10:00:00.000Z", fileModifiedAt: "2024-05-01T10:00:00.000Z" })) form.append(k, v);
  form.append("assetData", new Blob([fs.readFileSync(photo)]), "photo.jpg");
  const r = await fetch(`${base}/api/assets`, { method: "POST", headers: bearer(carol.accessToken), body: form });
  assert.equal(r.status, 201, await r.text());
  await page.reload();
  await row("caroline@example.com").locator("td[data-stat=photos]", { hasText: "1" }).waitFor();
  assert.equal(await row("caroline@example.com").locator("td[data-stat=videos]").textContent(), "0");
  assert.match(await row("caroline@example.com").locator("td[data-stat=usage]").textContent(), /^\d+(\.\d)? KiB of 5\.0 GiB$/);
});

await step("admin users: a reset password is shown once and signs in; a new password, then the welcome, once", async () => {
  // Not an admin any more (Immich asks admins for no new password).
  await row("caroline@example.com").getByRole("button", { name: "Edit Caroline" }).click();
  const edit = page.getByRole("dialog", { name: "Edit Caroline" });
  await edit.getByRole("checkbox", { name: "Administrator" }).uncheck();
  await edit.getByRole("button", { name: "Save" }).click();
  await edit.waitFor({ state: "detached" });
  assert.equal((await fromPage("/admin/users")).find((u) => u.email === "caroline@example.com").isAdmin, false);
  await row("caroline@example.com").getByRole("button", { name: "Reset password of Caroline" }).click();
  await page.getByRole("dialog", { name: "Reset password of Caroline" }).getByRole("button", { name: "Reset" }).click();
  const shown = page.getByRole("dialog", { name: "New password" });
  const password = await shown.locator("input.secret").inputValue();
  assert.equal(password.length, 16);
  await page.screenshot({ path: path.join(shots, "admin-user-new-password.png") });
  await shown.getByRole("button", { name: "Done" }).click();
  assert.equal((await call("POST", "/auth/login", { body: { email: "caroline@example.com", password: "carol password" } })).status, 401);
  // In a browser of her own: the given password signs in, to a new password of her own, then the
  // welcome (no server steps for her).
  const own = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const carol = await own.newPage();
  watch(carol, "carol ");
  await carol.goto(base);
  await carol.fill("input[name=email]", "caroline@example.com");
  await carol.fill("input[name=password]", password);
  await carol.click("button[type=submit]");
  await carol.getByRole("heading", { name: "Change password" }).waitFor();
  assert.equal(await carol.title(), "Change password – Ferrotype");
  globalThis.carolPassword = "carol's own password";
  await carol.fill("input[name=password]", globalThis.carolPassword);
  await carol.fill("input[name=confirm]", "carol's own passwor");
  await carol.click("button[type=submit]");
  await carol.getByText("The passwords do not match").waitFor();
  await carol.fill("input[name=confirm]", globalThis.carolPassword);
  await carol.click("button[type=submit]");
  await carol.getByRole("heading", { name: "Welcome, Caroline" }).waitFor();
  await carol.getByText("Step 1 of 3").waitFor();
  await carol.getByRole("button", { name: "Next" }).click();
  await carol.getByRole("button", { name: "Next" }).click();
  await carol.getByRole("button", { name: "Go to the photos" }).click();
  await carol.locator("#upload-button").waitFor();
  await carol.getByRole("button", { name: "Sign out" }).click();
  await carol.fill("input[name=email]", "caroline@example.com");
  await carol.fill("input[name=password]", globalThis.carolPassword);
  await carol.click("button[type=submit]");
  await carol.locator("#upload-button").waitFor();
  assert.equal(new URL(carol.url()).pathname, "/photos");
  assert.equal((await signIn("caroline@example.com", globalThis.carolPassword)).shouldChangePassword, false);
  await own.close();
});

await step("admin users: delete (restorable), restore, and delete now", async () => {
  await row("caroline@example.com").getByRole("button", { name: "Delete Caroline" }).click();
  const confirm = page.getByRole("dialog", { name: "Delete Caroline" });
  await confirm.getByText("after 7 days").waitFor();
  await confirm.getByRole("button", { name: "Delete", exact: true }).click();
  await row("caroline@example.com").getByText("deleted, restorable").waitFor();
  assert.equal((await call("POST", "/auth/login", { body: { email: "caroline@example.com", password: globalThis.carolPassword } })).status, 401);
  await row("caroline@example.com").getByRole("button", { name: "Restore Caroline" }).click();
  await row("caroline@example.com").getByRole("button", { name: "Edit Caroline" }).waitFor();
  await signIn("caroline@example.com", globalThis.carolPassword);
  await row("caroline@example.com").getByRole("button", { name: "Delete Caroline" }).click();
  await confirm.getByRole("checkbox", { name: "Delete the account and its photos now" }).check();
  await confirm.getByRole("button", { name: "Delete", exact: true }).click();
  // Removed by a job at once: gone from the list (reloaded) within moments.
  await until(async () => !(await fromPage("/admin/users?withDeleted=true")).some((u) => u.email === "caroline@example.com"), "the account removed");
  await page.reload();
  await row(ADA.email).waitFor();
  assert.equal(await row("caroline@example.com").count(), 0);
});

await step("maintenance mode: started from the admin page, every page shows it, ended from it", async () => {
  const ada = await signIn(ADA.email, ADA.password);
  const adasPage = await context.browser().newPage();
  await adasPage.context().addCookies([{ name: "immich_access_token", value: ada.accessToken, url: base }]);
  await adasPage.goto(`${base}/account`);
  await adasPage.getByRole("heading", { name: "Account settings" }).waitFor();
  await page.goto(`${base}/admin`);
  await page.getByRole("button", { name: "Start maintenance mode" }).click();
  await page.locator("dialog[open] button.confirm").click();
  await page.getByRole("heading", { name: "Maintenance", level: 1 }).waitFor();
  assert.equal(await page.title(), "Maintenance – Ferrotype");
  // The cookie from starting it lets this browser end it; the app open in another browser
  // (the same admin, without that cookie) follows by itself (AppRestartV1) and cannot end it.
  await adasPage.getByRole("heading", { name: "Maintenance", level: 1 }).waitFor();
  assert.equal(await adasPage.getByRole("button", { name: "End maintenance mode" }).count(), 0);
  assert.equal((await call("GET", "/users/me", { headers: bearer(ada.accessToken) })).status, 503);
  await page.screenshot({ path: path.join(shots, "maintenance.png") });
  await page.getByRole("button", { name: "End maintenance mode" }).click();
  await page.locator(".admin-users tr[data-user]").first().waitFor();
  await adasPage.getByRole("heading", { name: "Account settings" }).waitFor();
  assert.equal((await call("GET", "/users/me", { headers: bearer(ada.accessToken) })).status, 200);
  await adasPage.close();
});

await step("at a phone's width: no sideways scrolling and targets of 44px", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const address of ["/account", "/admin"]) {
    await page.goto(`${base}${address}`);
    await page.locator(address === "/account" ? "section[aria-labelledby=theme]" : ".admin-users tr[data-user]").first().waitFor();
    const { overflow, small } = await page.evaluate(() => {
      const scope = document.querySelector(".account, .admin-users");
      const targets = [...scope.querySelectorAll("button, a, input:not([type=checkbox]):not([type=radio]):not([type=file]), label.check-line, label.button")];
      const small = targets
        .filter((t) => t.offsetParent !== null)
        .map((t) => [t.textContent.trim() || t.getAttribute("aria-label") || t.name, t.getBoundingClientRect().height])
        .filter(([, h]) => h < 44);
      // The users' table scrolls in its own box; the admin page's other parts are not this page's.
      const overflow = scope.matches(".account")
        ? document.documentElement.scrollWidth - document.documentElement.clientWidth
        : scope.getBoundingClientRect().right - document.documentElement.clientWidth;
      return { overflow, small };
    });
    assert.ok(overflow <= 0, `${address}: ${overflow}px sideways`);
    assert.deepEqual(small, [], `${address}: targets under 44px`);
    await page.screenshot({ path: path.join(shots, `phone${address.replace("/", "-")}.png`), fullPage: true });
  }
});

await finish(browser);
