// Small helpers the pages share: elements built from data (always as text, never parsed as HTML),
// the JSON API (relative URLs, so any mount prefix works) and number formatting.

export const main = document.getElementById('main');

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'onclick') el.addEventListener('click', v);
    // Styles through the CSSOM: the page's policy forbids inline style attributes.
    else if (k === 'style') Object.assign(el.style, v);
    else if (v !== undefined && v !== null && v !== false) el.setAttribute(k, String(v));
  }
  for (const c of children.flat())
    if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

export async function api(path) {
  const res = await fetch(`api/${path}`);
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  }
  return res;
}

export const getJson = async (path) => (await api(path)).json();
export const enc = encodeURIComponent;
export const short = (d) => `${d.slice(0, 19)}…`;

export function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function show(...children) {
  main.replaceChildren(...children);
  main.focus();
}
