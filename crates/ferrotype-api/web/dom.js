// The grid's tiles only (components/photo-grid.js's `tile()` and `dayTitle()`): a plain node with
// attributes, listeners (`on...`) and children. Everything else is a Preact component (ui.js);
// the tiles are not, on purpose: thousands are made while scrolling, and a plain node is the
// cheapest thing to make.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(c));
  }
  return node;
}
