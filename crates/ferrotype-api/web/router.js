// Moving between pages: `navigate` to an address (a new history entry), `route` to draw the page
// of the address shown again (after an action changed what it shows). app.js gives the drawing
// function; the pages and components call these without importing app.js (no import cycle).

let draw = () => {};

/// Called once by app.js with the function that draws the page of `location`.
export function drawPagesWith(fn) {
  draw = fn;
}

/// Draws the page of the address shown.
export function route() {
  return draw();
}

export function navigate(path) {
  history.pushState(null, "", path);
  return draw();
}
