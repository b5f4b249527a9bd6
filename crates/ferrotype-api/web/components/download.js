// Downloads of several assets or an album, as the zip archives the server plans.

import { api, request } from "/api.js";

/// Downloads as a zip: the archives the server plans for `target` ({ assetIds } or { albumId }),
/// one after another, each at most the size the user chose in their preferences (a link's
/// visitor, who has none, gets the server's default).
export async function download(target, query = "") {
  const archiveSize = query ? undefined : (await api("GET", "/users/me/preferences")).download.archiveSize;
  const info = await api("POST", `/download/info${query}`, { ...target, archiveSize });
  for (const archive of info.archives) {
    const r = await request("POST", `/download/archive${query}`, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ assetIds: archive.assetIds }),
    });
    if (!r.ok) throw new Error(`${r.status}`);
    const url = URL.createObjectURL(await r.blob());
    // A link clicked in code, never in the page: the browser saves its file.
    const link = document.createElement("a");
    link.href = url;
    link.download = "ferrotype.zip";
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }
}
