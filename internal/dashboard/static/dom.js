// dom.js: building the page. Text from the API (payloads, responses, URLs, names) only ever
// enters the document as text nodes or attribute values, never as markup.

// el makes an element. attrs: "class", "on<event>" handlers, other attributes; children:
// nodes, or anything else, which becomes text.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  setAttrs(e, attrs);
  add(e, children);
  return e;
}

const svgNS = 'http://www.w3.org/2000/svg';

// svg makes an SVG element the same way.
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(svgNS, tag);
  setAttrs(e, attrs);
  add(e, children);
  return e;
}

function setAttrs(e, attrs) {
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) {
      e.addEventListener(k.slice(2), v);
    } else if (k === 'href' && !String(v).startsWith('#')) {
      throw new Error(`refusing link to ${v}: the dashboard links only to its own pages`);
    } else {
      e.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function add(e, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c)); // append(string) makes a text node
  }
}

// fmtTime shows an ISO time in the viewer's zone; the raw value stays in the title.
export function fmtTime(iso, none = 'Never') {
  if (!iso) return el('span', { class: 'muted' }, none);
  return el('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString());
}

export const fmtMs = (ms) => (ms === null || ms === undefined ? '–' : `${ms} ms`);

// pretty indents JSON text; anything else is shown as it came.
export function pretty(text) {
  if (typeof text !== 'string') return JSON.stringify(text, null, 2);
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

// dl is a definition list of [label, value, id] rows.
export function dl(rows, cls = 'info-grid') {
  return el('dl', { class: cls }, rows.map(([label, value, id]) => [el('dt', {}, label), el('dd', { id }, value)]));
}

// table makes a table with a header row; rows are arrays of cells or <tr> elements.
export function table(head, rows, attrs = {}) {
  return el('table', attrs,
    el('thead', {}, el('tr', {}, head.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.map((r) => (r instanceof Node ? r : el('tr', {}, r.map((c) => el('td', {}, c)))))));
}

export function badge(text, kind, cls) {
  return el('span', { class: `badge ${cls} badge-${kind}` }, text);
}

export function section(title, ...children) {
  return el('section', { class: 'card' }, el('h2', {}, title), children);
}

// csv splits a comma-separated field into its trimmed, non-empty items.
export const csv = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);

// localInput formats a time for a datetime-local input (to the second), in the viewer's zone.
export function localInput(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
