// Moving assets in or out of the locked folder, from the selection bar and the viewer.

import { api } from "/api.js";
import { route } from "/router.js";
import { toast } from "/components/toast.js";
import { confirmDialog } from "/components/dialog.js";

/// Moves assets in or out of the locked folder, after the user confirms (Immich's words); true
/// when done. Moving out needs the unlock: when it has ended, the page goes back to the prompt.
export async function moveLocked(ids, lock) {
  const ok = await confirmDialog(
    lock ? "Move to locked folder" : "Remove from locked folder",
    lock
      ? "These photos and video will be removed from all albums, and only viewable from the locked folder"
      : "Are you sure you want to move these photos and videos out of the locked folder? They will be visible in your library.",
    lock ? "Move to locked folder" : "Move out of locked folder",
  );
  if (!ok) return false;
  try {
    await api("PUT", "/assets", { ids, visibility: lock ? "locked" : "timeline" });
  } catch (err) {
    if (!lock && !(await api("GET", "/auth/status").catch(() => ({}))).isElevated) {
      toast("The locked folder was locked: enter the PIN code again", "error");
      route();
      return false;
    }
    throw err;
  }
  const n = ids.length === 1 ? "1 item" : `${ids.length} items`;
  toast(lock ? `${n} added to the locked folder` : `${n} removed from the locked folder`);
  return true;
}
