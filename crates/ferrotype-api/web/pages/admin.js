// Administration: statistics, users, and the job queues.

import { api } from "/api.js";
import { el } from "/dom.js";
import { app } from "/state.js";
import { navigate, route } from "/router.js";
import { toast } from "/components/toast.js";
import { confirmDialog } from "/components/dialog.js";
import { header } from "/components/header.js";
import { html, render } from "/ui.js";
import { AdminUsers } from "/pages/admin-users.js";

/// The queues this server runs, by Immich's names, with the words of Immich's jobs page and the
/// commands that apply: `start` runs what is missing, `all` runs everything again.
export const QUEUES = {
  thumbnailGeneration: { label: "Generate thumbnails", start: "Missing", all: "All" },
  metadataExtraction: { label: "Extract metadata", start: "Missing", all: "All" },
  storageTemplateMigration: { label: "Storage template migration", start: "Start" },
  backgroundTask: { label: "Background tasks" },
  notifications: { label: "Notifications" },
};

export async function adminPage() {
  const users = el("section", {}, el("h2", {}, "Users"));
  const jobs = el("section", {}, el("h2", {}, "Jobs"));
  const stats = el("section", {}, el("h2", {}, "Statistics"));
  const settingsLink = el("a", { href: "/admin/settings", onclick: (e) => (e.preventDefault(), navigate("/admin/settings")) }, "Settings");
  const startMaintenance = async () => {
    const sure = await confirmDialog(
      "Start maintenance mode?",
      "Every user's app stops answering until you end it; background jobs pause.",
      "Start maintenance mode",
    );
    if (!sure) return;
    try {
      // The answer's cookie lets this browser end it from the maintenance page.
      await api("POST", "/admin/maintenance", { action: "start" });
      route();
    } catch (err) {
      toast(err.message, "error");
    }
  };
  const maintenance = el(
    "section",
    {},
    el("h2", {}, "Maintenance"),
    el("button", { type: "button", class: "quiet start-maintenance", onclick: startMaintenance }, "Start maintenance mode"),
  );
  app.replaceChildren(header(), el("main", { class: "page admin" }, el("h1", {}, "Administration"), el("p", {}, settingsLink), stats, users, jobs, maintenance));
  try {
    const s = await api("GET", "/server/statistics");
    stats.append(el("p", {}, `${s.photos} photos, ${s.videos} videos, ${(s.usage / 1e9).toFixed(2)} GB`));
  } catch (err) {
    stats.append(el("p", { class: "form-error" }, err.message));
  }
  render(html`<${AdminUsers} />`, users.appendChild(document.createElement("div")));
  const queues = await api("GET", "/jobs").catch(() => ({}));
  const jobTable = el("table", {}, el("tr", {}, el("th", {}, "Queue"), el("th", {}, "Active"), el("th", {}, "Waiting"), el("th", {}, "Failed"), el("th", {}, "")));
  for (const [name, q] of Object.entries(queues)) {
    const known = QUEUES[name];
    if (!known) continue;
    const c = q.jobCounts || {};
    const command = (cmd, force, done) => async () => {
      try {
        await api("PUT", `/jobs/${name}`, { command: cmd, force });
        toast(`${known.label}: ${done}`);
        adminPage();
      } catch (err) {
        toast(err.message, "error");
      }
    };
    jobTable.append(
      el("tr", { "data-queue": name },
        el("td", {}, known.label), el("td", {}, String(c.active ?? 0)), el("td", {}, String(c.waiting ?? 0)), el("td", {}, String(c.failed ?? 0)),
        el("td", {},
          known.start ? el("button", { type: "button", class: "quiet", onclick: command("start", false, "started") }, known.start) : null,
          known.all ? el("button", { type: "button", class: "quiet", onclick: command("start", true, "started for everything") }, known.all) : null,
          q.queueStatus?.isPaused
            ? el("button", { type: "button", class: "quiet", onclick: command("resume", false, "resumed") }, "Resume")
            : el("button", { type: "button", class: "quiet", onclick: command("pause", false, "paused") }, "Pause"),
        ),
      ),
    );
  }
  jobs.append(jobTable);
}
