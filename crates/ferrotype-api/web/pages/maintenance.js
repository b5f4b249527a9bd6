// Maintenance mode (Immich's): while an administrator has it on, every page shows this one
// instead. The login link the server logs (`/maintenance?token=…`), or the cookie the
// administrator got when starting it, lets them end it here; everyone else waits. The page
// follows the server: `AppRestartV1` on the socket (and, should the socket be down, a check of
// the server's config every few seconds) draws the app again when maintenance ends.

import { api } from "/api.js";
import { html, showPage } from "/ui.js";
import { toast } from "/components/toast.js";

let poll = 0;

/// Draws the maintenance page; `redraw` draws the app again (once maintenance has ended).
export async function maintenancePage(redraw) {
  const token = new URLSearchParams(location.search).get("token");
  if (token) history.replaceState(history.state, "", location.pathname);
  // The token from the link, else the cookie: who may end maintenance (401 for anyone else).
  const username = await api("POST", "/admin/maintenance/login", token ? { token } : {})
    .then((auth) => auth.username)
    .catch(() => null);
  const status = await api("GET", "/admin/maintenance/status").catch(() => null);
  const end = async () => {
    try {
      await api("POST", "/admin/maintenance", { action: "end" });
      toast("Maintenance mode ended");
      redraw();
    } catch (err) {
      toast(err.message, "error");
    }
  };
  // The app's other pages leave their nodes (header, side bar): this page stands alone.
  showPage(
    html`<main class="page maintenance">
      <section class="card">
        <h1>Maintenance</h1>
        <p>Ferrotype is in maintenance mode. It comes back as soon as an administrator ends it; this page follows by itself.</p>
        ${status?.task ? html`<p>${status.task}</p>` : null}
        ${username
          ? html`<p>Signed in for maintenance as <strong>${username}</strong>.</p>
              <button type="button" class="end-maintenance" onClick=${end}>End maintenance mode</button>`
          : null}
      </section>
    </main>`,
  );
  clearInterval(poll);
  poll = setInterval(async () => {
    const config = await api("GET", "/server/config").catch(() => null);
    if (config && !config.maintenanceMode) {
      clearInterval(poll);
      redraw();
    }
  }, 5000);
}

/// Leaves the page's timer when the app draws something else.
export function leaveMaintenancePage() {
  clearInterval(poll);
}
