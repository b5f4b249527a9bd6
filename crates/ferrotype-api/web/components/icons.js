// Small line icons for toolbars, drawn here (24-unit squares, the current text colour): the
// machines the app runs on may have no emoji font, where symbols such as 🗑 show as empty boxes.
// An icon is decoration: the button around it carries the name (aria-label). Each shape is
// made fresh per use (Preact's nodes are not shared between places).

import { html } from "/ui.js";

const SHAPES = {
  close: () => html`<path d="M6 6l12 12M18 6L6 18" />`,
  heart: () => html`<path d="M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z" />`,
  heartFilled: () => html`<path fill="currentColor" d="M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z" />`,
  trash: () => html`<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6" />`,
  restore: () => html`<path d="M4 12a8 8 0 1 0 2.3-5.7M4 4v4h4" />`,
  archive: () => html`<path d="M3 4h18v4H3zM5 8v12h14V8M10 12h4" />`,
  unarchive: () => html`<path d="M3 4h18v4H3zM5 8v12h14V8M12 18v-6M9.5 14.5L12 12l2.5 2.5" />`,
  album: () => html`<path d="M4 5h12v12H4zM8 21h12V9M10 8v6M7 11h6" />`,
  share: () => html`<circle cx="18" cy="5" r="2.5" /><circle cx="6" cy="12" r="2.5" /><circle cx="18" cy="19" r="2.5" /><path d="M8.2 10.8l7.6-4.6M8.2 13.2l7.6 4.6" />`,
  download: () => html`<path d="M12 4v11M7 10l5 5 5-5M5 20h14" />`,
  info: () => html`<circle cx="12" cy="12" r="9" /><path d="M12 11v6M12 7.5v.5" />`,
  play: () => html`<path fill="currentColor" d="M8 5v14l11-7z" />`,
  pause: () => html`<path d="M9 5v14M15 5v14" stroke-width="3" />`,
  lock: () => html`<rect x="5" y="11" width="14" height="9" rx="1.5" /><path d="M8 11V8a4 4 0 0 1 8 0v3" />`,
  unlock: () => html`<rect x="5" y="11" width="14" height="9" rx="1.5" /><path d="M8 11V8a4 4 0 0 1 7.5-2" />`,
  more: () => html`<circle cx="12" cy="5" r="1.5" fill="currentColor" /><circle cx="12" cy="12" r="1.5" fill="currentColor" /><circle cx="12" cy="19" r="1.5" fill="currentColor" />`,
  edit: () => html`<path d="M4 20h4L19 9l-4-4L4 16zM13 7l4 4" />`,
  slideshow: () => html`<rect x="3" y="5" width="18" height="14" rx="2" /><path fill="currentColor" d="M10 9v6l5-3z" />`,
};

export function Icon({ name }) {
  return html`<svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"
    fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">${SHAPES[name]()}</svg>`;
}
