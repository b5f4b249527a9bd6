// The memory lane at the top of the photos timeline (Immich's "memory lane"): a card for each of
// today's memories ("1 year ago", "3 years ago"), from `GET /memories?for=<today>`, each opening
// the memory viewer. Nothing is drawn when there is no memory today or the user turned memories
// off (their `memories.enabled` preference).

import { useEffect, useState } from "preact/hooks";
import { html } from "/ui.js";
import { api } from "/api.js";
import { openMemory } from "/components/memory-viewer.js";

export const STRINGS = {
  lane: "Memories",
  yearsAgo: (n) => (n === 1 ? "1 year ago" : `${n} years ago`),
  photos: (n) => (n === 1 ? "1 photo" : `${n} photos`),
};

/// "N years ago", from the memory's year and today's.
export function yearsAgo(memory, now = new Date()) {
  return STRINGS.yearsAgo(now.getFullYear() - (memory.data?.year ?? new Date(memory.memoryAt).getUTCFullYear()));
}

/// Today's date where the user is (`YYYY-MM-DD`), the `for` Immich's web sends.
export function today(now = new Date()) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/// Today's memories (above the timeline's grid): nothing while they load, or when there are
/// none or they cannot be read.
export function TodaysMemories() {
  const [lane, setLane] = useState(null);
  useEffect(() => {
    todaysMemories().then(setLane);
  }, []);
  return html`<div class="memory-lane-host" hidden=${!lane}>${lane && html`<${MemoryLane} memories=${lane.memories} stepMs=${lane.stepMs} />`}</div>`;
}

/// Today's memories with photos and the user's step of a memory's slideshow; null when there
/// are none to show.
async function todaysMemories() {
  try {
    const preferences = await api("GET", "/users/me/preferences");
    if (preferences?.memories?.enabled === false) return null;
    const stepMs = (preferences?.memories?.duration || 5) * 1000;
    const memories = (await api("GET", `/memories?for=${today()}`)).filter((m) => m.assets.length);
    return memories.length ? { memories, stepMs } : null;
  } catch {
    return null; // The lane is a nicety: the timeline shows without it.
  }
}

function MemoryLane({ memories, stepMs }) {
  return html`<nav class="memory-lane" aria-label=${STRINGS.lane}>
    ${memories.map((m, i) => html`<button type="button" class="memory-card" key=${m.id} data-id=${m.id}
        aria-label=${`${yearsAgo(m)}: ${STRINGS.photos(m.assets.length)}`}
        onClick=${() => openMemory(memories, i, stepMs)}>
      <img src=${`/api/assets/${m.assets[0].id}/thumbnail?size=thumbnail`} alt="" loading="lazy" />
      <span class="memory-title">${yearsAgo(m)}</span>
    </button>`)}
  </nav>`;
}
