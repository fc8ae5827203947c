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
  if (node.kind === 'layer') label.setAttribute('href', `#/layers/${eid}/${enc(node.parent)}`);
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
    h('a', { href: `#/doc/${enc(id)}/${enc(r.digest)}`, class: 'digest' }, short(r.digest)),
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
      out.push('"', h('a', { href: `#/doc/${enc(id)}/${enc(value)}`, class: 'j-str' }, value), '"');
    } else out.push(h('span', { class: 'j-str' }, JSON.stringify(value)));
  } else if (typeof value === 'number') out.push(h('span', { class: 'j-num' }, String(value)));
  else out.push(h('span', { class: 'j-lit' }, String(value)));
  return out;
}

async function doc(id, digest) {
  const res = await api(`images/${enc(id)}/documents/${enc(digest)}`);
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
    h('pre', { id: 'raw' }, jsonView(id, JSON.parse(text))),
  );
}

const MARK_SIGN = { added: '+', modified: '~', deleted: '−', opaque: '∅' };

async function layers(id, manifest) {
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
      `Efficiency ${(eff.score * 100).toFixed(1)} % · wasted ${bytes(eff.wastedBytes)}`,
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
    files,
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

async function compare() {
  const images = await getJson('images');
  const options = [];
  for (const im of images.slice(0, 50)) {
    const dag = (await getJson(`images/${enc(im.id)}`)).dag;
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
    if (parts[0] === 'repo') await repository(parts.slice(1).join('/'));
    else if (parts[0] === 'image') await image(parts[1]);
    else if (parts[0] === 'trust') await trust(parts[1]);
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
getJson('info')
  .then((i) => {
    info = i;
    if (i.mode === 'repositories') document.getElementById('nav-home').textContent = 'Repositories';
  })
  .catch(() => {})
  .finally(route);
