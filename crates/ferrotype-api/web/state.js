// What the pages share: the signed-in user, the grid shown, the selection, and the scope of the
// page (a timeline view, an album, a shared link a visitor browses). The page's nodes are in
// #app, drawn by ui.js's `showPage`.

// `grid`: the VirtualGrid of the page shown (timeline, album, link), null elsewhere.
export const state = { user: null, grid: null, selected: new Set(), scope: {} };

/// `&key=...` on media URLs when a visitor browses a shared link.
export function linkQuery(sep = "&") {
  return state.scope.query ? `${sep}${state.scope.query}` : "";
}
