/** The explorer's JSON API over real layouts: every endpoint, and hostile input answered 4xx without reading outside the image. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { RunningExplorer } from '../../src/explore/index.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { exploreFixtures, json, MOTD } from './fixtures.ts';

describe('explore API', () => {
  const dir = suiteScratch(after);
  let explorer: RunningExplorer;
  let busybox: string;
  let index: { index: string; manifests: string[] };

  before(async () => {
    ({ explorer, busybox, index } = await exploreFixtures(await dir()));
  });
  after(() => explorer.close());

  const get = (path: string) => fetch(new URL(path, explorer.url));
  const getJson = async (path: string) => {
    const res = await get(path);
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return json(res);
  };
  const m = () => `api/images/0/manifests/${busybox}`;

  test('listens on loopback and lists the images it was given', async () => {
    assert.match(explorer.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const images = await getJson('api/images');
    assert.deepEqual(
      images.map((i: { id: number; kind: string; digest: string }) => [i.id, i.kind, i.digest]),
      [
        [0, 'image', busybox],
        [1, 'index', index.index],
      ],
    );
    // `q` keeps the images whose name contains it (the compare page's search).
    assert.deepEqual(
      (await getJson('api/images?q=MULTI')).map((i: { id: number }) => i.id),
      [1],
    );
  });

  test('the DAG of an index shows every manifest with its platform, config and layers', async () => {
    const { dag } = await getJson('api/images/1');
    assert.equal(dag.kind, 'index');
    assert.deepEqual(
      dag.children.map((c: { digest: string; platform: string }) => [c.digest, c.platform]),
      [
        [index.manifests[0], 'linux/amd64'],
        [index.manifests[1], 'linux/arm64'],
      ],
    );
    for (const child of dag.children) {
      assert.deepEqual(
        child.children.map((c: { kind: string }) => c.kind),
        ['config', 'layer'],
      );
    }
    assert.deepEqual(
      dag.children.filter((c: { kind: string }) => c.kind === 'referrer'),
      [],
    );
  });

  test('a document is served as its exact bytes, for every document of the DAG', async () => {
    const { dag } = await getJson('api/images/1');
    for (const digest of [dag.digest, dag.children[0].digest, dag.children[0].children[0].digest]) {
      const res = await get(`api/images/1/documents/${digest}`);
      assert.equal(res.status, 200);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(`sha256:${createHash('sha256').update(body).digest('hex')}`, digest);
    }
  });

  test('a digest off the grammar is 400; a digest the image does not reach (a layer, another image) is 404', async () => {
    for (const bad of ['sha256:zz', 'md5:abc', '..%2F..%2Findex.json', 'sha256:..%2F..%2Foci-layout']) {
      const res = await get(`api/images/1/documents/${bad}`);
      assert.equal(res.status, 400, bad);
      assert.match((await json(res)).error.code, /^(INVALID|UNSUPPORTED)_DIGEST$/);
    }
    const { dag } = await getJson('api/images/1');
    const layer = dag.children[0].children[1].digest;
    assert.equal((await get(`api/images/1/documents/${layer}`)).status, 404);
    assert.equal((await get(`api/images/1/documents/${busybox}`)).status, 404);
    assert.equal((await get(`api/images/1/manifests/${index.index}/layers`)).status, 404);
    assert.equal((await get('api/images/7')).status, 404);
    assert.equal((await get('api/images/-1')).status, 404);
  });

  test('layers: compressed and uncompressed sizes and the history entry that made each', async () => {
    const layers = await getJson(`${m()}/layers`);
    assert.equal(layers.length, 2);
    for (const l of layers) {
      assert.ok(l.compressedSize > 0 && l.uncompressedSize >= 1024, JSON.stringify(l));
      assert.match(l.diffId, /^sha256:/);
    }
    assert.equal(layers[0].history.created_by, 'ADD busybox /');
    // The empty_layer entry belongs to no layer (config.md "history").
    assert.equal(layers[1].history.created_by, 'RUN rm /tmp/old.txt && echo > /etc/motd');
  });

  test("a layer's files are marked added, modified or deleted against the layers below", async () => {
    const page = await getJson(`${m()}/layers/1/files`);
    const marks = Object.fromEntries(
      page.entries.map((e: { path: string; mark: string }) => [e.path, e.mark]),
    );
    assert.deepEqual(marks, {
      'etc/motd': 'modified',
      'tmp/old.txt': 'deleted',
      srv: 'added',
      'srv/app.txt': 'added',
    });
    assert.equal(page.next, null);
    const base = await getJson(`${m()}/layers/0/files?offset=2&limit=3`);
    assert.deepEqual(
      base.entries.map((e: { path: string }) => e.path),
      ['bin/sh', 'bin/ls', 'etc'],
    );
    assert.equal(base.next, 5);
    assert.ok(base.entries.every((e: { mark: string }) => e.mark === 'added'));
  });

  test("a layer's tree: a directory's direct children, implied directories included, marked and paged", async () => {
    const tree = async (layer: number, query: string) => getJson(`${m()}/layers/${layer}/tree?${query}`);
    const top = await tree(1, 'dir=/');
    assert.deepEqual(
      top.entries.map((e: { name: string; type: string; mark: string; implied?: boolean }) => [
        e.name,
        e.type,
        e.mark,
        e.implied === true,
      ]),
      [
        ['etc', 'directory', 'modified', true],
        ['tmp', 'directory', 'modified', true],
        ['srv', 'directory', 'added', false],
      ],
    );
    assert.equal(top.next, null);
    const tmp = await tree(1, 'dir=tmp');
    assert.deepEqual(
      tmp.entries.map((e: { path: string; mark: string }) => [e.path, e.mark]),
      [['tmp/old.txt', 'deleted']],
    );
    const first = await tree(0, 'dir=&limit=1');
    assert.deepEqual(
      first.entries.map((e: { name: string }) => e.name),
      ['bin'],
    );
    assert.equal(first.next, 1);
    const second = await tree(0, 'dir=&offset=1&limit=1');
    assert.deepEqual(
      second.entries.map((e: { name: string }) => e.name),
      ['etc'],
    );
    const bin = await tree(0, 'dir=/bin/');
    assert.deepEqual(
      bin.entries.map((e: { name: string; linkname?: string }) => [e.name, e.linkname ?? null]),
      [
        ['busybox', null],
        ['sh', 'busybox'],
        ['ls', 'busybox'],
      ],
    );
    assert.deepEqual((await tree(0, 'dir=nowhere')).entries, []);
    for (const bad of ['dir=../../etc', 'dir=a%00b', 'offset=x']) {
      assert.equal((await get(`${m()}/layers/0/tree?${bad}`)).status, 400, bad);
    }
  });

  test('the merged filesystem lists a directory one page at a time', async () => {
    const first = await getJson(`${m()}/fs?path=/bin&limit=2`);
    assert.deepEqual(
      first.children.map((c: { name: string }) => c.name),
      ['busybox', 'ls'],
    );
    assert.equal(first.next, 2);
    const rest = await getJson(`${m()}/fs?path=/bin&offset=2&limit=2`);
    assert.deepEqual(
      rest.children.map((c: { name: string }) => c.name),
      ['sh'],
    );
    assert.equal(rest.next, null);
  });

  test('paging arguments off the grammar and layers that do not exist are refused', async () => {
    assert.equal((await get(`${m()}/layers/1/files?offset=-1`)).status, 400);
    assert.equal((await get(`${m()}/layers/1/files?limit=1e9`)).status, 400);
    assert.equal((await get(`${m()}/layers/2/files`)).status, 404);
  });

  test("dive's estimate: a file written twice and one deleted waste space and lower the score", async () => {
    const eff = await getJson(`${m()}/efficiency`);
    const wasted = Object.fromEntries(
      eff.inefficiencies.map((i: { path: string; count: number }) => [i.path, i.count]),
    );
    assert.deepEqual(wasted, { 'etc/motd': 2, 'tmp/old.txt': 2 });
    assert.equal(
      eff.wastedBytes,
      'hello from the base layer, a longer text\n'.length + MOTD.length + 'to be deleted\n'.length,
    );
    assert.ok(eff.score > 0 && eff.score < 1);
  });

  test('the merged filesystem: directories without deleted files, the upper version of a file', async () => {
    const root = await getJson(`${m()}/fs?path=/`);
    assert.deepEqual(
      root.children.map((c: { name: string }) => c.name),
      ['bin', 'etc', 'srv', 'tmp', 'usr'],
    );
    assert.deepEqual((await getJson(`${m()}/fs?path=/tmp`)).children, []);
    const motd = await getJson(`${m()}/fs?path=/etc/motd`);
    assert.equal(motd.entry.layer, 1);
    const content = await get(`${m()}/fs/content?path=/etc/motd`);
    assert.equal(await content.text(), MOTD);
    const download = await get(`${m()}/fs/content?path=etc/motd&download=1`);
    assert.equal(download.headers.get('content-disposition'), 'attachment; filename="motd"');
    const sh = await getJson(`${m()}/fs?path=/bin/sh`);
    assert.equal(sh.entry.linkname, 'busybox');
    assert.equal((await get(`${m()}/fs?path=/tmp/old.txt`)).status, 404);
  });

  test('hostile paths: ".." is 400, an absolute path names the image\'s file, never the host\'s', async () => {
    for (const bad of [
      '../../etc/passwd',
      '/etc/../../../etc/hostname',
      '%2e%2e/%2e%2e/etc/hostname',
      'a%00b',
    ]) {
      const res = await get(`${m()}/fs/content?path=${bad}`);
      assert.equal(res.status, 400, bad);
      assert.equal((await json(res)).error.code, 'UNSAFE_PATH');
    }
    // The host has /etc/hostname and /etc/passwd; the image has only its own /etc/passwd.
    assert.equal((await get(`${m()}/fs/content?path=/etc/hostname`)).status, 404);
    assert.equal(
      await (await get(`${m()}/fs/content?path=/etc/passwd`)).text(),
      'root:x:0:0:root:/root:/bin/sh\n',
    );
    assert.equal((await get(`${m()}/fs/content?path=/etc`)).status, 404);
  });

  test('search finds a path in every layer, deletions included', async () => {
    const found = await getJson(`${m()}/search?q=OLD`);
    assert.deepEqual(
      found.hits.map((h: { path: string; layer: number; deleted: boolean }) => [h.path, h.layer, h.deleted]),
      [
        ['tmp/old.txt', 0, false],
        ['tmp/old.txt', 1, true],
      ],
    );
  });

  test('compare: two images file by file', async () => {
    const changes = await getJson(`api/compare?a=1:${index.manifests[0]}&b=0:${busybox}`);
    const byPath = Object.fromEntries(
      changes.map((c: { path: string; change: string }) => [c.path, c.change]),
    );
    assert.equal(byPath['hello.txt'], 'D');
    assert.equal(byPath['etc/motd'], 'A');
    // Each side that has the path shows its entry and the layer that wrote it.
    const sides = Object.fromEntries(changes.map((c: { path: string }) => [c.path, c]));
    assert.deepEqual(sides['hello.txt'].a, {
      type: 'file',
      size: 6,
      mode: sides['hello.txt'].a.mode,
      uid: 0,
      gid: 0,
      layer: 0,
    });
    assert.equal(sides['hello.txt'].b, undefined);
    assert.equal(sides['etc/motd'].a, undefined);
    assert.deepEqual([sides['etc/motd'].b.size, sides['etc/motd'].b.layer], [MOTD.length, 1]);
    assert.equal(sides['bin/sh'].b.linkname, 'busybox');
    // The two platforms share their one layer, and an image compared with itself: no differences.
    const both = await getJson(`api/compare?a=1:${index.manifests[0]}&b=1:${index.manifests[1]}`);
    assert.deepEqual(both, []);
    const back = await getJson(`api/compare?a=0:${busybox}&b=0:${busybox}`);
    assert.deepEqual(back, []);
    assert.equal((await get(`api/compare?a=1:sha256:zz&b=0:${busybox}`)).status, 400);
    assert.equal((await get('api/compare?a=nonsense&b=0')).status, 400);
  });

  test('the pages are served from the package, with a policy that allows nothing from elsewhere', async () => {
    for (const [path, type] of [
      ['', 'text/html'],
      ['app.js', 'text/javascript'],
      ['style.css', 'text/css'],
    ] as const) {
      const res = await get(path);
      assert.equal(res.status, 200);
      assert.ok(res.headers.get('content-type')?.startsWith(type));
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    }
    assert.equal((await get('fixtures.ts')).status, 404);
    assert.equal((await get('..%2Fhandler.ts')).status, 404);
    assert.equal((await fetch(new URL('api/images', explorer.url), { method: 'POST' })).status, 405);
  });
  test('a request naming another host (DNS rebinding) is refused; loopback names are answered', async () => {
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(new URL('api/images', explorer.url), { headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    const port = new URL(explorer.url).port;
    assert.equal(await status(`attacker.example:${port}`), 403);
    assert.equal(await status('attacker.example'), 403);
    assert.equal(await status(`localhost:${port}`), 200);
    assert.equal(await status(`127.0.0.1:${port}`), 200);
  });
});
