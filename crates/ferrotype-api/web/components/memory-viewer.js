// The memory viewer (Immich's memory page): a memory's photos full screen, one after another
// (Previous and Next, the arrow keys, or on their own after the user's `memories.duration`), with the memory's
// title and where in it we are; the next memory follows the last photo; Close or Escape leaves
// it. A memory opened is marked seen (`seenAt`), as Immich's web does.

import { useEffect, useRef, useState } from "preact/hooks";
import { html, render } from "/ui.js";
import { api } from "/api.js";
import { Icon } from "/components/icons.js";
import { yearsAgo } from "/components/memory-lane.js";

export const STRINGS = { play: "Play", pause: "Pause", close: "Close", previous: "Previous", next: "Next" };

/// Opens `memories[index]` over the page; each photo stays `stepMs` (the user's
/// `memories.duration`, 5 s by default, as in Immich).
export function openMemory(memories, index, stepMs = 5000) {
  document.querySelector(".memory-host")?.remove();
  const host = document.createElement("div");
  host.className = "memory-host";
  document.body.append(host);
  const opener = document.activeElement;
  const close = () => {
    render(null, host);
    host.remove();
    opener?.focus?.();
  };
  render(html`<${MemoryViewer} memories=${memories} start=${index} stepMs=${stepMs} onClose=${close} />`, host);
}

function MemoryViewer({ memories, start, stepMs, onClose }) {
  const [at, setAt] = useState({ memory: start, asset: 0 });
  const [playing, setPlaying] = useState(true);
  const root = useRef(null);
  const memory = memories[at.memory];
  const asset = memory.assets[at.asset];
  const step = (by) =>
    setAt(({ memory: m, asset: a }) => {
      const next = a + by;
      if (next >= 0 && next < memories[m].assets.length) return { memory: m, asset: next };
      if (by > 0 && m + 1 < memories.length) return { memory: m + 1, asset: 0 };
      if (by < 0 && m > 0) return { memory: m - 1, asset: memories[m - 1].assets.length - 1 };
      return { memory: m, asset: a };
    });
  const last = at.memory === memories.length - 1 && at.asset === memory.assets.length - 1;
  const first = at.memory === 0 && at.asset === 0;

  // Seen once shown (each memory once per opening).
  useEffect(() => {
    api("PUT", `/memories/${memory.id}`, { seenAt: new Date().toISOString() }).catch(() => {});
  }, [memory.id]);
  useEffect(() => {
    root.current?.focus();
  }, []);
  useEffect(() => {
    if (!playing || last) return undefined;
    const timer = setTimeout(() => step(1), stepMs);
    return () => clearTimeout(timer);
  }, [playing, at.memory, at.asset, last]);
  // On the document: a button that became disabled (Next on the last photo) loses the focus.
  useEffect(() => {
    const keys = (e) => {
      if (e.key === "Escape") onClose();
      else if (e.key === "ArrowRight") step(1);
      else if (e.key === "ArrowLeft") step(-1);
      else if (e.key === " ") setPlaying((p) => !p);
      else return;
      e.preventDefault();
    };
    document.addEventListener("keydown", keys);
    return () => document.removeEventListener("keydown", keys);
  }, []);

  return html`<div class="memory-viewer" role="dialog" aria-modal="true" aria-label=${yearsAgo(memory)}
      tabindex="-1" ref=${root} data-memory=${memory.id} data-asset=${asset.id}>
    <div class="memory-bar">
      <h2 class="memory-heading">${yearsAgo(memory)}</h2>
      <span class="memory-count" aria-live="polite">${at.asset + 1} / ${memory.assets.length}</span>
      <span class="spacer"></span>
      <button type="button" class="icon-button" aria-label=${playing ? STRINGS.pause : STRINGS.play}
        onClick=${() => setPlaying((p) => !p)}><${Icon} name=${playing ? "pause" : "play"} /></button>
      <button type="button" class="icon-button" aria-label=${STRINGS.close} onClick=${onClose}><${Icon} name="close" /></button>
    </div>
    <div class="memory-progress" aria-hidden="true">
      ${memory.assets.map((a, i) => html`<span key=${a.id} class=${i <= at.asset ? "done" : ""}></span>`)}
    </div>
    <img class="memory-photo" src=${`/api/assets/${asset.id}/thumbnail?size=preview`} alt=${asset.originalFileName} />
    <button type="button" class="nav prev" aria-label=${STRINGS.previous} disabled=${first} onClick=${() => step(-1)}>‹</button>
    <button type="button" class="nav next" aria-label=${STRINGS.next} disabled=${last} onClick=${() => step(1)}>›</button>
  </div>`;
}
