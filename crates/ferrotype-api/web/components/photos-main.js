// The main part of a page of photos month by month (the timeline views, an album, a partner's
// photos, a shared link): what the page puts above the photos, then the virtual grid (grid.js,
// photo-grid.js) mounted into its section once the months are read, and the scrubber beside it.
// The grid and its tiles are plain nodes on purpose (photo-grid.js): Preact draws the page around
// them and never draws inside the grid's holder.

import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "/ui.js";
import { scrubber as makeScrubber } from "/grid.js";
import { showGrid } from "/components/photo-grid.js";
import { toast } from "/components/toast.js";

const STRINGS = {
  cannotLoad: (message) => `Cannot load the photos: ${message}`,
};

/// `sections()`: the grid's sections (a promise); `empty`: the words when there are none;
/// `head`: what comes before the photos' section in <main>, `children`: what comes first in it;
/// `onShown(grid)` once the grid is in the page (null when the months could not be read).
export function PhotosMain({ class: mainClass = "photos", sections, empty, scrubber = true, head, children, onShown, cannotLoad = STRINGS.cannotLoad }) {
  const main = useRef(null);
  const section = useRef(null);
  const [none, setNone] = useState(false);
  useEffect(() => {
    let gone = false;
    Promise.resolve()
      .then(sections)
      .then(
        (list) => {
          if (gone) return;
          if (!list.length) setNone(true);
          const grid = showGrid(section.current, list);
          if (scrubber) main.current.append(makeScrubber(grid));
          onShown?.(grid);
        },
        (err) => {
          if (gone) return;
          toast(cannotLoad(err.message), "error");
          onShown?.(null);
        },
      );
    return () => (gone = true);
  }, []);
  return html`<main ref=${main} class=${mainClass}>
    ${head}
    <section ref=${section} class="timeline" id="timeline">
      ${children}
      ${none && empty && html`<p class="empty">${empty}</p>`}
    </section>
  </main>`;
}
