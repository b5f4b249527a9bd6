// Administration: statistics, users, and the job queues.

import { useEffect, useState } from "preact/hooks";
import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { navigate, route } from "/router.js";
import { toast } from "/components/toast.js";
import { confirmDialog } from "/components/dialog.js";
import { Header } from "/components/header.js";
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

export const STRINGS = {
  title: "Administration",
  settings: "Settings",
  statistics: "Statistics",
  totals: (s) => `${s.photos} photos, ${s.videos} videos, ${(s.usage / 1e9).toFixed(2)} GB`,
  users: "Users",
  jobs: "Jobs",
  queue: "Queue",
  active: "Active",
  waiting: "Waiting",
  failed: "Failed",
  resume: "Resume",
  pause: "Pause",
  started: "started",
  startedAll: "started for everything",
  resumed: "resumed",
  paused: "paused",
  done: (label, what) => `${label}: ${what}`,
  maintenance: "Maintenance",
  startMaintenance: "Start maintenance mode",
  startMaintenanceTitle: "Start maintenance mode?",
  startMaintenanceMessage: "Every user's app stops answering until you end it; background jobs pause.",
};

export function adminPage() {
  showPage(html`<${Header} /><${Admin} />`);
}

function Admin() {
  const settings = (e) => (e.preventDefault(), navigate("/admin/settings"));
  return html`<main class="page admin">
    <h1>${STRINGS.title}</h1>
    <p><a href="/admin/settings" onClick=${settings}>${STRINGS.settings}</a></p>
    <section><h2>${STRINGS.statistics}</h2><${Statistics} /></section>
    <section><h2>${STRINGS.users}</h2><div><${AdminUsers} /></div></section>
    <section><h2>${STRINGS.jobs}</h2><${Jobs} /></section>
    <section><h2>${STRINGS.maintenance}</h2>
      <button type="button" class="quiet start-maintenance" onClick=${startMaintenance}>${STRINGS.startMaintenance}</button>
    </section>
  </main>`;
}

function Statistics() {
  const [stats, setStats] = useState(null);
  useEffect(() => {
    api("GET", "/server/statistics").then((s) => setStats({ text: STRINGS.totals(s) }), (err) => setStats({ error: err.message }));
  }, []);
  if (!stats) return null;
  return stats.error ? html`<p class="form-error">${stats.error}</p>` : html`<p>${stats.text}</p>`;
}

/// The queues this server runs, with their counts and commands; read again after a command.
function Jobs() {
  const [queues, setQueues] = useState(null);
  const load = () => api("GET", "/jobs").catch(() => ({})).then(setQueues);
  useEffect(() => void load(), []);
  if (!queues) return null;
  const command = (name, label, cmd, force, done) => async () => {
    try {
      await api("PUT", `/jobs/${name}`, { command: cmd, force });
      toast(STRINGS.done(label, done));
      load();
    } catch (err) {
      toast(err.message, "error");
    }
  };
  const quiet = (label, onClick) => html`<button type="button" class="quiet" onClick=${onClick}>${label}</button>`;
  return html`<table>
    <tr><th>${STRINGS.queue}</th><th>${STRINGS.active}</th><th>${STRINGS.waiting}</th><th>${STRINGS.failed}</th><th></th></tr>
    ${Object.entries(queues).filter(([name]) => QUEUES[name]).map(([name, q]) => {
      const known = QUEUES[name];
      const c = q.jobCounts || {};
      const run = (cmd, force, done) => command(name, known.label, cmd, force, done);
      return html`<tr key=${name} data-queue=${name}>
        <td>${known.label}</td><td>${String(c.active ?? 0)}</td><td>${String(c.waiting ?? 0)}</td><td>${String(c.failed ?? 0)}</td>
        <td>
          ${known.start && quiet(known.start, run("start", false, STRINGS.started))}
          ${known.all && quiet(known.all, run("start", true, STRINGS.startedAll))}
          ${q.queueStatus?.isPaused ? quiet(STRINGS.resume, run("resume", false, STRINGS.resumed)) : quiet(STRINGS.pause, run("pause", false, STRINGS.paused))}
        </td>
      </tr>`;
    })}
  </table>`;
}

async function startMaintenance() {
  const sure = await confirmDialog(STRINGS.startMaintenanceTitle, STRINGS.startMaintenanceMessage, STRINGS.startMaintenance);
  if (!sure) return;
  try {
    // The answer's cookie lets this browser end it from the maintenance page.
    await api("POST", "/admin/maintenance", { action: "start" });
    route();
  } catch (err) {
    toast(err.message, "error");
  }
}
