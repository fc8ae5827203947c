// The explorer's pages: hash routes over the JSON API (relative URLs, so any mount prefix works).
// Every value from the API is set as text, never parsed as HTML.

const main = document.getElementById('main');

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'onclick') el.addEventListener('click', v);
    // Styles through the CSSOM: the page's policy forbids inline style attributes.
    else if (k === 'style') Object.assign(el.style, v);
    else if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  }
  for (const c of children.flat())
    if (c !== undefined && c !== null) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function api(path) {
  const res = await fetch(`api/${path}`);
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  }
  return res;
}
const getJson = async (path) => (await api(path)).json();
const enc = encodeURIComponent;
const short = (d) => `${d.slice(0, 19)}…`;

function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

function show(...children) {
  main.replaceChildren(...children);
  main.focus();
}

// The image list.
async function home() {
  const images = await getJson('images');
  show(
    h('h1', {}, 'Images'),
    h(
      'ul',
      {},
      images.map((im) =>
        h(
          'li',
          {},
          h('a', { href: `#/image/${im.id}` }, im.name),
          ' ',
          h('span', { class: 'digest muted' }, im.digest),
        ),
      ),
    ),
  );
}

function nodeItem(id, node) {
  const label = h('a', { href: `#/doc/${id}/${enc(node.digest)}`, class: 'digest' }, short(node.digest));
  const extra = [];
  if (node.kind === 'manifest') {
    extra.push(' ', h('a', { href: `#/layers/${id}/${enc(node.digest)}` }, 'layers'));
    extra.push(' ', h('a', { href: `#/files/${id}/${enc(node.digest)}` }, 'files'));
  }
  if (node.kind === 'layer') label.setAttribute('href', `#/layers/${id}/${enc(node.parent)}`);
  const kids = node.children.map((c) => ({ ...c, parent: node.digest }));
  return h(
    'li',
    { 'data-kind': node.kind, 'data-digest': node.digest },
    h('span', { class: 'kind' }, node.kind),
    label,
    node.platform ? h('span', { class: 'platform' }, node.platform) : null,
    h('span', { class: 'muted' }, ` ${node.mediaType} · ${bytes(node.size)}`),
    extra,
    kids.length
      ? h(
          'ul',
          { class: 'tree' },
          kids.map((c) => nodeItem(id, c)),
        )
      : null,
  );
}

function referrerItem(id, r) {
  return h(
    'li',
    { 'data-kind': 'referrer' },
    h('span', { class: 'kind' }, 'referrer'),
    h('a', { href: `#/doc/${id}/${enc(r.digest)}`, class: 'digest' }, short(r.digest)),
    h('span', { class: 'muted' }, ` ${r.artifactType ?? r.mediaType}`),
    r.manifests.length
      ? h(
          'ul',
          { class: 'tree' },
          r.manifests.map((c) => referrerItem(id, c)),
        )
      : null,
  );
}

async function image(id) {
  const data = await getJson(`images/${id}`);
  show(
    h('h1', {}, data.name),
    h('h2', {}, 'DAG'),
    h('ul', { class: 'tree', id: 'dag' }, nodeItem(id, data.dag)),
    h('h2', {}, 'Referrers'),
    data.referrers.length
      ? h(
          'ul',
          { class: 'tree' },
          data.referrers.map((r) => referrerItem(id, r)),
        )
      : h('p', { class: 'muted' }, 'none'),
  );
}

// JSON with highlighting; digests become links to their documents.
function jsonView(id, value, indent = '') {
  const out = [];
  const next = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return ['[]'];
    out.push('[\n');
    for (const [i, v] of value.entries())
      out.push(next, ...jsonView(id, v, next), i < value.length - 1 ? ',\n' : '\n');
    out.push(indent, ']');
  } else if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return ['{}'];
    out.push('{\n');
    keys.forEach((k, i) => {
      out.push(
        next,
        h('span', { class: 'j-key' }, JSON.stringify(k)),
        ': ',
        ...jsonView(id, value[k], next),
        i < keys.length - 1 ? ',\n' : '\n',
      );
    });
    out.push(indent, '}');
  } else if (typeof value === 'string') {
    if (/^sha(256:[0-9a-f]{64}|512:[0-9a-f]{128})$/.test(value)) {
      out.push('"', h('a', { href: `#/doc/${id}/${enc(value)}`, class: 'j-str' }, value), '"');
    } else out.push(h('span', { class: 'j-str' }, JSON.stringify(value)));
  } else if (typeof value === 'number') out.push(h('span', { class: 'j-num' }, String(value)));
  else out.push(h('span', { class: 'j-lit' }, String(value)));
  return out;
}

async function doc(id, digest) {
  const res = await api(`images/${id}/documents/${enc(digest)}`);
  const text = await res.text();
  show(
    h('h1', {}, 'Document'),
    h(
      'p',
      {},
      h('span', { class: 'digest' }, digest),
      ' ',
      h('span', { class: 'muted' }, res.headers.get('x-media-type') ?? ''),
    ),
    h('p', {}, h('a', { href: `#/image/${id}` }, '← DAG')),
    h('pre', { id: 'raw' }, jsonView(id, JSON.parse(text))),
  );
}

async function layers(id, manifest) {
  const [summaries, eff] = await Promise.all([
    getJson(`images/${id}/manifests/${enc(manifest)}/layers`),
    getJson(`images/${id}/manifests/${enc(manifest)}/efficiency`),
  ]);
  const max = Math.max(1, ...summaries.map((l) => l.uncompressedSize));
  const files = h('section', { id: 'files' });
  const rows = summaries.map((l) => {
    const row = h(
      'tr',
      { class: 'layer-row', tabindex: 0, 'data-layer': l.index },
      h('td', {}, String(l.index)),
      h('td', { class: 'digest' }, short(l.digest)),
      h('td', { class: 'num compressed' }, bytes(l.compressedSize)),
      h('td', { class: 'num uncompressed' }, bytes(l.uncompressedSize)),
      h(
        'td',
        { style: { width: '20%' } },
        h('span', { class: 'bar', style: { width: `${(100 * l.compressedSize) / max}%` } }),
        h('span', { class: 'bar u', style: { width: `${(100 * l.uncompressedSize) / max}%` } }),
      ),
      h('td', {}, h('code', {}, l.history?.created_by ?? '')),
    );
    const open = () => {
      for (const r of rows) r.classList.toggle('selected', r === row);
      layerFiles(id, manifest, l.index, 0, files);
    };
    row.addEventListener('click', open);
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open();
    });
    return row;
  });
  show(
    h('h1', {}, 'Layers'),
    h(
      'p',
      {},
      h('a', { href: `#/image/${id}` }, '← DAG'),
      ' ',
      h('a', { href: `#/files/${id}/${enc(manifest)}` }, 'files'),
    ),
    h(
      'table',
      { id: 'layers' },
      h(
        'tr',
        {},
        ['#', 'digest', 'compressed', 'uncompressed', 'size', 'created by'].map((t) => h('th', {}, t)),
      ),
      rows,
    ),
    h(
      'p',
      { id: 'efficiency' },
      `Efficiency ${(eff.score * 100).toFixed(1)} % · wasted ${bytes(eff.wastedBytes)}`,
    ),
    files,
  );
}

async function layerFiles(id, manifest, layer, offset, target) {
  const page = await getJson(
    `images/${id}/manifests/${enc(manifest)}/layers/${layer}/files?offset=${offset}&limit=200`,
  );
  const list = h(
    'ul',
    { class: 'tree', id: 'file-list' },
    page.entries.map((e) =>
      h(
        'li',
        // Indented by depth: the page reads as the layer's tree.
        {
          class: `mark-${e.mark}`,
          'data-mark': e.mark,
          'data-path': e.path,
          tabindex: 0,
          style: { paddingLeft: `${e.path.split('/').length - 1}em` },
        },
        `${e.mark === 'added' ? '+' : e.mark === 'modified' ? '~' : '-'} /${e.path}`,
        e.type === 'directory' ? '/' : '',
        e.linkname ? ` → ${e.linkname}` : '',
      ),
    ),
  );
  const nav = h('p', {});
  if (offset > 0)
    nav.append(
      h(
        'button',
        { onclick: () => layerFiles(id, manifest, layer, Math.max(0, offset - page.limit), target) },
        'previous',
      ),
      ' ',
    );
  if (page.next !== null)
    nav.append(h('button', { onclick: () => layerFiles(id, manifest, layer, page.next, target) }, 'next'));
  target.replaceChildren(
    h('h2', {}, `Layer ${layer}: files ${offset + 1}–${offset + page.entries.length}`),
    list,
    nav,
  );
}

const TEXT_LIMIT = 1 << 20;

async function files(id, manifest, path) {
  const base = `images/${id}/manifests/${enc(manifest)}`;
  const data = await getJson(`${base}/fs?path=${enc(path)}`);
  const search = h('input', {
    type: 'search',
    id: 'search',
    placeholder: 'search paths in every layer',
    'aria-label': 'search',
  });
  const results = h('div', { id: 'results' });
  search.addEventListener('keydown', async (e) => {
    if (e.key !== 'Enter') return;
    const found = await getJson(`${base}/search?q=${enc(search.value)}`);
    results.replaceChildren(
      h(
        'ul',
        {},
        found.hits.map((hit) =>
          h(
            'li',
            { class: hit.deleted ? 'mark-deleted' : '' },
            h('a', { href: `#/files/${id}/${enc(manifest)}/${enc(hit.path)}` }, `/${hit.path}`),
            h('span', { class: 'muted' }, ` layer ${hit.layer}`),
          ),
        ),
      ),
      found.truncated ? h('p', { class: 'muted' }, 'more hits not shown') : null,
    );
  });
  const crumbs = [h('a', { href: `#/files/${id}/${enc(manifest)}` }, '/')];
  const parts = path.split('/').filter(Boolean);
  for (const [i, p] of parts.entries()) {
    crumbs.push(
      h('a', { href: `#/files/${id}/${enc(manifest)}/${enc(parts.slice(0, i + 1).join('/'))}` }, p),
      '/',
    );
  }
  const body = [];
  if (data.children) {
    body.push(
      h(
        'table',
        { id: 'dir' },
        data.children.map((c) =>
          h(
            'tr',
            {},
            h(
              'td',
              {},
              h(
                'a',
                { href: `#/files/${id}/${enc(manifest)}/${enc(c.path)}` },
                c.name + (c.type === 'directory' ? '/' : ''),
              ),
            ),
            h('td', { class: 'muted' }, c.type),
            h('td', { class: 'num' }, c.type === 'file' ? bytes(c.size) : ''),
            h('td', { class: 'muted' }, c.linkname ? `→ ${c.linkname}` : ''),
            h('td', { class: 'muted' }, `layer ${c.layer}`),
          ),
        ),
      ),
    );
  } else {
    const e = data.entry;
    const url = `api/${base}/fs/content?path=${enc(path)}`;
    body.push(
      h(
        'p',
        {},
        `${e.type} · ${bytes(e.size)} · mode ${e.mode.toString(8)} · ${e.uid}:${e.gid} · layer ${e.layer}`,
        e.linkname ? ` · → ${e.linkname}` : '',
      ),
    );
    if (e.type === 'file' || e.type === 'link') {
      body.push(h('p', {}, h('a', { href: `${url}&download=1`, id: 'download' }, 'download')));
      if (e.size <= TEXT_LIMIT) {
        const buf = new Uint8Array(await (await api(`${base}/fs/content?path=${enc(path)}`)).arrayBuffer());
        const text = buf.includes(0) ? null : new TextDecoder('utf-8', { fatal: false }).decode(buf);
        body.push(
          text === null ? h('p', { class: 'muted' }, 'binary file') : h('pre', { id: 'content' }, text),
        );
      }
    }
  }
  show(
    h('h1', {}, 'Files'),
    h('p', {}, h('a', { href: `#/image/${id}` }, '← DAG'), ' ', search),
    results,
    h('p', { id: 'crumbs' }, crumbs),
    ...body,
  );
}

async function compare() {
  const images = await getJson('images');
  const options = [];
  for (const im of images) {
    const dag = (await getJson(`images/${im.id}`)).dag;
    const walk = (n) => {
      if (n.kind === 'manifest')
        options.push({
          value: `${im.id}:${n.digest}`,
          label: `${im.name}${n.platform ? ` ${n.platform}` : ''}`,
        });
      for (const c of n.children) walk(c);
    };
    walk(dag);
  }
  const pick = (name) =>
    h(
      'select',
      { id: name, 'aria-label': name },
      options.map((o) => h('option', { value: o.value }, o.label)),
    );
  const a = pick('a');
  const b = pick('b');
  if (options.length > 1) b.selectedIndex = 1;
  const out = h('div', { id: 'changes' });
  const run = async () => {
    const changes = await getJson(`compare?a=${enc(a.value)}&b=${enc(b.value)}`);
    const cls = { A: 'mark-added', M: 'mark-modified', D: 'mark-deleted' };
    out.replaceChildren(
      changes.length === 0
        ? h('p', {}, 'no differences')
        : h(
            'table',
            {},
            changes.map((c) =>
              h(
                'tr',
                { class: cls[c.change] },
                h('td', {}, c.change),
                h('td', {}, `/${c.path}`),
                h('td', { class: 'muted' }, (c.fields ?? []).join(', ')),
              ),
            ),
          ),
    );
  };
  show(
    h('h1', {}, 'Compare'),
    h('p', {}, a, ' → ', b, ' ', h('button', { onclick: run, id: 'run' }, 'compare')),
    out,
  );
}

async function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    if (parts[0] === 'image') await image(parts[1]);
    else if (parts[0] === 'doc') await doc(parts[1], parts[2]);
    else if (parts[0] === 'layers') await layers(parts[1], parts[2]);
    else if (parts[0] === 'files') await files(parts[1], parts[2], parts.slice(3).join('/'));
    else if (parts[0] === 'compare') await compare();
    else await home();
  } catch (err) {
    show(h('h1', {}, 'Error'), h('p', { class: 'error' }, String(err.message ?? err)));
  }
}

window.addEventListener('hashchange', route);
route();
