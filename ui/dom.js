// Building DOM nodes. Text always goes in through textContent (never innerHTML), so whatever a
// spreadsheet contains is shown literally.

// h("a", {href: "#/x", class: "cell", dataset: {target: "CQ-1"}}, "text", childNode, ...)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// A status chip: the colour and the word, so the status never depends on colour alone.
export function statusChip(color, word) {
  return h("span", { class: `chip ${color || "none"}`, dataset: { color: color || "none" } }, word);
}

// A table from a header list and rows of cells (strings or nodes).
export function table(head, rows, attrs = {}) {
  return h(
    "table",
    attrs,
    h("thead", {}, h("tr", {}, head.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map((r) => (r instanceof Node ? r : h("tr", {}, r.map((c) => h("td", {}, c)))))),
  );
}

// An <img> showing an SVG string: an SVG loaded as an image cannot run script or load
// anything, whatever it contains.
export function svgImage(svg, alt, id) {
  const bytes = new TextEncoder().encode(svg);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return h("img", { src: `data:image/svg+xml;base64,${btoa(bin)}`, alt, class: "chart", id });
}
