// The explorer's pages: hash routes over the JSON API (relative URLs, so any mount prefix works).
// Every value from the API is set as text, never parsed as HTML.

import { api, bytes, enc, getJson, h, short, show } from './dom.js';
import { createTree } from './tree.js';
import { trust } from './trust.js';

let info = { mode: 'images', keys: [], policy: null };

// The image list, or in repository mode (`ocikit serve`) the repository list.
async function home() {
  if (info.mode === 'repositories') {
    const repos = await getJson('repositories');
    show(
      h('h1', {}, 'Repositories'),
      repos.length === 0
        ? h('p', { class: 'muted' }, 'no repositories yet')
        : h(
            'ul',
            { id: 'repositories', class: 'list' },
            repos.map((r) => h('li', {}, h('a', { href: `#/repo/${enc(r.name)}` }, r.name))),
          ),
    );
    return;
  }
  const images = await getJson('images');
  show(
    h('h1', {}, 'Images'),
    h(
      'ul',
      { class: 'list' },
      images.map((im) =>
        h(
          'li',
          {},
          h('a', { href: `#/image/${enc(im.id)}` }, im.name),
          ' ',
          h('span', { class: 'digest muted' }, im.digest),
        ),
      ),
    ),
  );
}

async function repository(name) {
  const tags = await getJson(`repositories/${enc(name)}/tags`);
  show(
    h('h1', {}, name),
    h('p', {}, h('a', { href: '#/' }, '← Repositories')),
    tags.length === 0
      ? h('p', { class: 'muted' }, 'no tags')
      : h(
          'table',
          { id: 'tags' },
          h(
            'tr',
            {},
            ['tag', 'digest', 'media type'].map((t) => h('th', {}, t)),
          ),
          tags.map((t) =>
            h(
              'tr',
              {},
              h('td', {}, h('a', { href: `#/image/${enc(t.id)}` }, t.tag)),
              h('td', { class: 'digest' }, short(t.digest)),
              h('td', { class: 'muted' }, t.mediaType),
            ),
          ),
        ),
  );
}

function nodeItem(id, node) {
  const eid = enc(id);
  const label = h('a', { href: `#/doc/${eid}/${enc(node.digest)}`, class: 'digest' }, short(node.digest));
  const extra = [];
  if (node.kind === 'manifest') {
    extra.push(' ', h('a', { href: `#/layers/${eid}/${enc(node.digest)}` }, 'layers'));
    extra.push(' ', h('a', { href: `#/files/${eid}/${enc(node.digest)}` }, 'files'));
  }
  if (node.kind === 'layer')
    label.setAttribute('href', `#/layers/${eid}/${enc(node.parent)}/${node.layerIndex}`);
  let layer = 0;
  const kids = node.children.map((c) => ({
    ...c,
    parent: node.digest,
    layerIndex: c.kind === 'layer' ? layer++ : undefined,
  }));
  // A referrer shows how it is attached (an OCI subject, a cosign tag) and what it holds.
  const what =
    node.kind === 'referrer'
      ? [
          h('span', { class: 'scheme' }, node.scheme),
          h(
            'span',
            { class: 'muted' },
            ` ${node.artifactType ?? node.mediaType}${node.tag ? ` · ${node.tag}` : ''} · ${bytes(node.size)}`,
          ),
        ]
      : h('span', { class: 'muted' }, ` ${node.mediaType} · ${bytes(node.size)}`);
  return h(
    'li',
    { 'data-kind': node.kind, 'data-digest': node.digest },
    h('span', { class: 'kind' }, node.kind),
    label,
    node.platform ? h('span', { class: 'platform' }, node.platform) : null,
    what,
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

async function image(id) {
  const data = await getJson(`images/${enc(id)}`);
  show(
    h('h1', {}, data.name),
    h(
      'p',
      {},
      h('a', { href: `#/trust/${enc(id)}`, id: 'trust-link' }, 'Trust: signatures and attestations'),
    ),
    h('h2', {}, 'DAG'),
    h('ul', { class: 'tree', id: 'dag' }, nodeItem(id, data.dag)),
  );
}

// Where each digest of a document's JSON leads: documents of the DAG to their JSON, a manifest's
// layers and a config's diff_ids to that layer on the Layers page; anything else is not linked.
function digestLinks(id, dag, digest) {
  const documents = new Set();
  let manifest = null; // the DAG manifest this document is, or whose config it is
  const walk = (n) => {
    if (n.kind !== 'layer' && n.kind !== 'missing') documents.add(n.digest);
    if (n.kind === 'manifest') {
      if (n.digest === digest) manifest = { digest: n.digest, config: false };
      const config = n.children.find((c) => c.kind === 'config');
      if (manifest === null && config?.digest === digest) manifest = { digest: n.digest, config: true };
    }
    for (const c of n.children) walk(c);
  };
  walk(dag);
  const layerLink = (i) => `#/layers/${enc(id)}/${enc(manifest.digest)}/${i}`;
  return (path, value) => {
    const [first, i, last] = path;
    if (manifest !== null && !manifest.config && first === 'layers' && last === 'digest' && path.length === 3)
      return layerLink(i);
    if (manifest?.config && first === 'rootfs' && i === 'diff_ids' && path.length === 3)
      return layerLink(path[2]);
    return documents.has(value) ? `#/doc/${enc(id)}/${enc(value)}` : null;
  };
}

// JSON with highlighting; `link(path, value)` says where a digest string leads (null: nowhere).
function jsonView(link, value, path = [], indent = '') {
  const out = [];
  const next = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return ['[]'];
    out.push('[\n');
    for (const [i, v] of value.entries())
      out.push(next, ...jsonView(link, v, [...path, i], next), i < value.length - 1 ? ',\n' : '\n');
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
        ...jsonView(link, value[k], [...path, k], next),
        i < keys.length - 1 ? ',\n' : '\n',
      );
    });
    out.push(indent, '}');
  } else if (typeof value === 'string') {
    const href = /^sha(256:[0-9a-f]{64}|512:[0-9a-f]{128})$/.test(value) ? link(path, value) : null;
    if (href !== null) out.push('"', h('a', { href, class: 'j-str' }, value), '"');
    else out.push(h('span', { class: 'j-str' }, JSON.stringify(value)));
  } else if (typeof value === 'number') out.push(h('span', { class: 'j-num' }, String(value)));
  else out.push(h('span', { class: 'j-lit' }, String(value)));
  return out;
}

async function doc(id, digest) {
  const [res, data] = await Promise.all([
    api(`images/${enc(id)}/documents/${enc(digest)}`),
    getJson(`images/${enc(id)}`),
  ]);
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
    h('p', {}, h('a', { href: `#/image/${enc(id)}` }, '← DAG')),
    h('pre', { id: 'raw' }, jsonView(digestLinks(id, data.dag, digest), JSON.parse(text))),
  );
}

const MARK_SIGN = { added: '+', modified: '~', deleted: '−', opaque: '∅' };

async function layers(id, manifest, opened) {
  const base = `images/${enc(id)}/manifests/${enc(manifest)}`;
  const [summaries, eff] = await Promise.all([getJson(`${base}/layers`), getJson(`${base}/efficiency`)]);
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
        { class: 'bars' },
        h('span', { class: 'bar', style: { width: `${(100 * l.compressedSize) / max}%` } }),
        h('span', { class: 'bar u', style: { width: `${(100 * l.uncompressedSize) / max}%` } }),
      ),
      h('td', {}, h('code', { class: 'created-by' }, l.history?.created_by ?? '')),
    );
    const open = () => {
      for (const r of rows) r.classList.toggle('selected', r === row);
      layerTree(base, l.index, files);
    };
    row.addEventListener('click', open);
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open();
    });
    row.open = open;
    return row;
  });
  show(
    h('h1', {}, 'Layers'),
    h(
      'p',
      {},
      h('a', { href: `#/image/${enc(id)}` }, '← DAG'),
      ' ',
      h('a', { href: `#/files/${enc(id)}/${enc(manifest)}` }, 'files'),
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
      // As dive prints it: the score in percent with four decimals.
      `Efficiency ${(eff.score * 100).toFixed(4)} % · wasted ${bytes(eff.wastedBytes)}`,
      h(
        'span',
        { class: 'legend' },
        ' · ',
        h('span', { class: 'bar-key' }),
        ' compressed ',
        h('span', { class: 'bar-key u' }),
        ' uncompressed',
      ),
    ),
    inefficiencies(eff.inefficiencies),
    files,
  );
  const row = opened === undefined ? undefined : rows[Number(opened)];
  if (row !== undefined) {
    row.open();
    row.focus();
  }
}

// The paths written more than once (dive's "inefficient files"), largest waste first, as the API
// bounds them.
function inefficiencies(list) {
  if (list.length === 0) return h('p', { class: 'muted', id: 'inefficiencies' }, 'no file is written twice');
  return h(
    'details',
    { id: 'inefficiencies', open: list.length <= 10 ? '' : null },
    h('summary', {}, `${list.length} inefficient file${list.length === 1 ? '' : 's'} (largest waste first)`),
    h(
      'table',
      {},
      h(
        'tr',
        {},
        ['count', 'wasted', 'path'].map((t) => h('th', {}, t)),
      ),
      list.map((i) =>
        h(
          'tr',
          { class: 'inefficiency' },
          h('td', { class: 'num' }, String(i.count)),
          h('td', { class: 'num' }, bytes(i.wastedBytes)),
          h('td', {}, `/${i.path}`),
        ),
      ),
    ),
  );
}

function layerTree(base, layer, target) {
  const tree = createTree({
    id: 'file-list',
    label: `files of layer ${layer}`,
    load: (dir, offset, limit) =>
      getJson(`${base}/layers/${layer}/tree?dir=${enc(dir)}&offset=${offset}&limit=${limit}`),
    attrs: (e) => ({ class: `mark-${e.mark}`, 'data-mark': e.mark }),
    render: (e) => [
      h('span', { class: 'mark', title: e.mark }, MARK_SIGN[e.mark] ?? ''),
      ' ',
      h('span', { class: 'name' }, e.name + (e.type === 'directory' ? '/' : '')),
      e.linkname ? h('span', { class: 'muted' }, ` → ${e.linkname}`) : null,
      e.type === 'file' && e.mark !== 'deleted'
        ? h('span', { class: 'muted size' }, ` ${bytes(e.size)}`)
        : null,
    ],
  });
  target.replaceChildren(
    h('h2', {}, `Layer ${layer}`),
    h('p', { class: 'muted legend' }, '+ added · ~ modified · − deleted · ∅ opaque (hides the layers below)'),
    tree,
  );
  return tree;
}

const TEXT_LIMIT = 1 << 20;

async function files(id, manifest, path) {
  const base = `images/${enc(id)}/manifests/${enc(manifest)}`;
  const filesHash = (p) => `#/files/${enc(id)}/${enc(manifest)}${p ? `/${enc(p)}` : ''}`;
  const data = await getJson(`${base}/fs?path=${enc(path)}&limit=1`);
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
        { class: 'list' },
        found.hits.map((hit) =>
          h(
            'li',
            { class: hit.deleted ? 'mark-deleted' : '' },
            h('a', { href: filesHash(hit.path) }, `/${hit.path}`),
            h('span', { class: 'muted' }, ` layer ${hit.layer}${hit.deleted ? ' (deleted)' : ''}`),
          ),
        ),
      ),
      found.hits.length === 0 ? h('p', { class: 'muted' }, 'no matches') : null,
      found.truncated ? h('p', { class: 'muted' }, 'more hits not shown') : null,
    );
  });
  const crumbs = [h('a', { href: filesHash('') }, '/')];
  const parts = path.split('/').filter(Boolean);
  for (const [i, p] of parts.entries()) {
    crumbs.push(h('a', { href: filesHash(parts.slice(0, i + 1).join('/')) }, p));
    if (i < parts.length - 1 || data.children) crumbs.push('/');
  }
  const body = [];
  if (data.children) {
    body.push(
      createTree({
        id: 'fs-tree',
        label: `files under /${path}`,
        root: path,
        load: (dir, offset, limit) =>
          getJson(`${base}/fs?path=${enc(dir)}&offset=${offset}&limit=${limit}`).then((d) => ({
            entries: d.children,
            next: d.next,
          })),
        render: (c) => [
          h('span', { class: 'name' }, c.name + (c.type === 'directory' ? '/' : '')),
          c.linkname ? h('span', { class: 'muted' }, ` → ${c.linkname}`) : null,
          c.type === 'file' ? h('span', { class: 'muted size' }, ` ${bytes(c.size)}`) : null,
          h('span', { class: 'muted layer' }, ` layer ${c.layer}`),
        ],
        activate: (c) => {
          location.hash = filesHash(c.path);
        },
      }),
    );
  } else {
    const e = data.entry;
    const url = `api/${base}/fs/content?path=${enc(path)}`;
    body.push(
      h(
        'p',
        { id: 'file-info' },
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
    h('p', {}, h('a', { href: `#/image/${enc(id)}` }, '← DAG'), ' ', search),
    results,
    h('p', { id: 'crumbs' }, crumbs),
    ...body,
  );
}

// One side's picker: every image (a search box narrows the list), then one of its manifests.
function imagePicker(side, all, initial) {
  let images = all;
  const truncated = all.length >= MAX_LISTED;
  const label = side.toUpperCase();
  const filter = h('input', {
    type: 'search',
    id: `${side}-filter`,
    placeholder: 'filter images',
    'aria-label': `filter the images of ${label}`,
  });
  const select = h('select', { id: `${side}-image`, 'aria-label': `image ${label}` });
  const manifest = h('select', { id: side, 'aria-label': `manifest ${label}` });
  const fill = () => {
    const q = filter.value.toLowerCase();
    const kept = select.value;
    select.replaceChildren(
      ...images
        .filter((im) => im.name.toLowerCase().includes(q) || String(im.id) === kept)
        .map((im) => h('option', { value: String(im.id) }, im.name)),
    );
    if (kept) select.value = kept;
  };
  const manifests = async () => {
    const dag = (await getJson(`images/${enc(select.value)}`)).dag;
    const found = [];
    const walk = (n) => {
      if (n.kind === 'manifest') found.push(n);
      for (const c of n.children) if (c.kind !== 'referrer') walk(c);
    };
    walk(dag);
    manifest.replaceChildren(
      ...found.map((n) =>
        h('option', { value: `${select.value}:${n.digest}` }, `${n.platform ?? 'image'} ${short(n.digest)}`),
      ),
    );
    return found.length;
  };
  fill();
  select.value = String(images[initial.image]?.id ?? '');
  filter.addEventListener('input', async () => {
    const before = select.value;
    // A list the API cut short is searched again on the server.
    if (truncated) images = await getJson(`images?q=${enc(filter.value)}`).catch(() => images);
    fill();
    if (select.value !== before) await manifests().catch(() => {});
  });
  select.addEventListener('change', () => manifests().catch(() => {}));
  return {
    ready: async () => {
      if (!select.value) return;
      const n = await manifests();
      if (initial.manifest < n) manifest.selectedIndex = initial.manifest;
    },
    element: h('fieldset', { class: 'picker' }, h('legend', {}, label), filter, ' ', select, ' ', manifest),
  };
}

const CHANGE_CLASS = { A: 'mark-added', M: 'mark-modified', D: 'mark-deleted' };

// One side of a compared path: size, mode, owner and layer; the fields that changed stand out.
function sideCells(f, fields) {
  const changed = (...names) => (names.some((n) => fields.includes(n)) ? 'changed' : '');
  if (f === undefined) return [h('td', { class: 'absent', colspan: 4 }, '—')];
  return [
    h(
      'td',
      { class: `num ${changed('size', 'digest', 'type', 'linkname')}` },
      f.type === 'file' ? bytes(f.size) : f.linkname ? `${f.type} → ${f.linkname}` : f.type,
    ),
    h('td', { class: changed('mode') }, f.mode.toString(8).padStart(4, '0')),
    h('td', { class: changed('uid', 'gid') }, `${f.uid}:${f.gid}`),
    h('td', { class: 'muted' }, `layer ${f.layer}`),
  ];
}

const COMPARE_PAGE = 500;

// Most images `api/images` lists; a longer list is searched on the server.
const MAX_LISTED = 500;

function changesTable(changes) {
  const table = h(
    'table',
    { id: 'side-by-side' },
    h(
      'tr',
      {},
      h('th', { colspan: 4 }, 'A'),
      h('th', {}, ''),
      h('th', {}, 'path'),
      h('th', { colspan: 4 }, 'B'),
    ),
    h(
      'tr',
      { class: 'muted' },
      ['size', 'mode', 'owner', 'layer', 'change', '', 'size', 'mode', 'owner', 'layer'].map((t) =>
        h('th', {}, t),
      ),
    ),
  );
  const more = h('button', { type: 'button', id: 'more-changes' }, 'more…');
  let shown = 0;
  const page = () => {
    for (const c of changes.slice(shown, shown + COMPARE_PAGE)) {
      const fields = c.fields ?? [];
      table.append(
        h(
          'tr',
          { class: `change ${CHANGE_CLASS[c.change]}`, 'data-path': c.path, 'data-change': c.change },
          sideCells(c.a, fields),
          h('td', { class: 'mark', title: fields.join(', ') }, c.change),
          h('td', { class: 'path' }, `/${c.path}`),
          sideCells(c.b, fields),
        ),
      );
    }
    shown = Math.min(changes.length, shown + COMPARE_PAGE);
    more.textContent = `more… (${changes.length - shown} not shown)`;
    more.hidden = shown >= changes.length;
  };
  more.addEventListener('click', page);
  page();
  return [table, more];
}

async function compare() {
  const images = await getJson('images');
  if (images.length === 0) {
    show(h('h1', {}, 'Compare'), h('p', { class: 'muted' }, 'no images'));
    return;
  }
  // A: the first image; B: the second, or the first's second manifest.
  const a = imagePicker('a', images, { image: 0, manifest: 0 });
  const b = imagePicker(
    'b',
    images,
    images.length > 1 ? { image: 1, manifest: 0 } : { image: 0, manifest: 1 },
  );
  await Promise.all([a.ready(), b.ready()]);
  const out = h('div', { id: 'changes' });
  const run = async () => {
    const left = document.getElementById('a').value;
    const right = document.getElementById('b').value;
    out.replaceChildren(h('p', { class: 'muted' }, 'comparing…'));
    const changes = await getJson(`compare?a=${enc(left)}&b=${enc(right)}`);
    const counts = { A: 0, M: 0, D: 0 };
    for (const c of changes) counts[c.change]++;
    out.replaceChildren(
      changes.length === 0
        ? h('p', {}, 'no differences')
        : h(
            'p',
            { id: 'change-counts' },
            `${counts.A} added · ${counts.M} modified · ${counts.D} deleted`,
            h('span', { class: 'muted' }, ' (highlighted: what changed)'),
          ),
      ...(changes.length === 0 ? [] : changesTable(changes)),
    );
  };
  show(
    h('h1', {}, 'Compare'),
    h(
      'div',
      { class: 'pickers' },
      a.element,
      b.element,
      h(
        'button',
        {
          type: 'button',
          id: 'run',
          onclick: () => run().catch((err) => out.replaceChildren(h('p', { class: 'error' }, err.message))),
        },
        'compare',
      ),
    ),
    ...(images.length >= MAX_LISTED
      ? [h('p', { class: 'muted' }, `the first ${images.length} images are listed: filter to find others`)]
      : []),
    out,
  );
}

async function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  try {
    if (parts[0] === 'repo') await repository(parts.slice(1).join('/'));
    else if (parts[0] === 'image') await image(parts[1]);
    else if (parts[0] === 'trust') await trust(parts[1]);
    else if (parts[0] === 'doc') await doc(parts[1], parts[2]);
    else if (parts[0] === 'layers') await layers(parts[1], parts[2], parts[3]);
    else if (parts[0] === 'files') await files(parts[1], parts[2], parts.slice(3).join('/'));
    else if (parts[0] === 'compare') await compare();
    else await home();
  } catch (err) {
    show(h('h1', {}, 'Error'), h('p', { class: 'error' }, String(err.message ?? err)));
  }
}

window.addEventListener('hashchange', route);
getJson('info')
  .then((i) => {
    info = i;
    if (i.mode === 'repositories') document.getElementById('nav-home').textContent = 'Repositories';
  })
  .catch(() => {})
  .finally(route);
