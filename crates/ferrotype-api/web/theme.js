// The colour theme: light, dark, or the system's (the default). The choice is the browser's own
// (localStorage, as Immich's web keeps it), applied as `data-theme` on <html>, which account.css
// lets override the system preference that app.css follows. Importing this module applies it.

import { signal } from "/ui.js";

// index.html's first script reads the same key, to apply the choice before the first paint.
const KEY = "ferrotype.theme";
export const THEMES = ["light", "dark", "system"];

function stored() {
  const value = localStorage.getItem(KEY);
  return THEMES.includes(value) ? value : "system";
}

/// The theme chosen (a signal, so pages showing the choice follow it).
export const theme = signal(stored());

function apply(choice) {
  if (choice === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

/// Chooses, keeps and applies a theme.
export function chooseTheme(choice) {
  if (!THEMES.includes(choice)) return;
  localStorage.setItem(KEY, choice);
  theme.value = choice;
  apply(choice);
}

apply(theme.value);
