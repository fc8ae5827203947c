/**
 * The explorer under `ocikit serve`'s `/ui/`: repositories → tags → image pages over the served
 * layouts, read-only; the registry's `/v2/` unchanged; the same credentials as pulls; hostile
 * repository names and references answered 4xx without reading outside ROOT.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { layoutRepositories, UI_PREFIX } from '../../src/cli/commands/serve.ts';
import { createExplorerHandler } from '../../src/explore/index.ts';
import { type RunningServer, type StartServerOptions, startServer } from '../../src/serve/index.ts';
import { startOcikit } from '../helpers/cli-child.ts';
import { writeHtpasswd } from '../helpers/htpasswd.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { json, MOTD, writeServeRoot } from './fixtures.ts';

/** Starts serve over `root` with the explorer mounted as the command mounts it. */
async function serveWithUi(root: string, options: Partial<StartServerOptions> = {}): Promise<RunningServer> {
  return startServer({
    root,
    ...options,
    mount: {
      prefix: UI_PREFIX,
      handle: createExplorerHandler({ repositories: layoutRepositories(root), prefix: UI_PREFIX }),
    },
  });
}

function rawGet(url: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request(new URL(url), { path, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('explore under ocikit serve /ui/', () => {
  const dir = suiteScratch(after);
  let root: string;
  let busybox: string;
  let index: string;
  let server: RunningServer;
  let files: string[];

  before(async () => {
    ({ root, busybox, index } = await writeServeRoot(await dir()));
    files = (await readdir(root, { recursive: true })).sort();
    server = await serveWithUi(root);
  });
  after(() => server?.close());

  const get = (path: string) => fetch(`${server.url}${path}`, { redirect: 'manual' });
  const getJson = async (path: string) => {
    const res = await get(path);
    assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
    return json(res);
  };

  test('/ui redirects to /ui/, which serves the pages; /v2/ is still the registry', async () => {
    const bare = await get('/ui');
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get('location'), '/ui/');
    const page = await get('/ui/');
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script type="module" src="app.js">/);
    assert.deepEqual(await getJson('/v2/'), {});
    assert.deepEqual(await getJson('/v2/_catalog'), { repositories: ['library/busybox', 'multi'] });
    const manifest = await get('/v2/library/busybox/manifests/latest');
    assert.equal(manifest.status, 200);
    assert.equal((await get('/v2/ui/tags/list')).status, 404);
  });

  test('repository list → tags → the image pages', async () => {
    assert.deepEqual(await getJson('/ui/api/info'), { mode: 'repositories', keys: [], policy: null });
    assert.deepEqual(await getJson('/ui/api/repositories'), [{ name: 'library/busybox' }, { name: 'multi' }]);
    const tags = await getJson(`/ui/api/repositories/${encodeURIComponent('library/busybox')}/tags`);
    assert.deepEqual(
      tags.map((t: { tag: string; digest: string; id: string }) => [t.tag, t.digest, t.id]),
      [['latest', busybox, 'library/busybox:latest']],
    );
    const id = encodeURIComponent('library/busybox:latest');
    const image = await getJson(`/ui/api/images/${id}`);
    assert.equal(image.name, 'library/busybox:latest');
    assert.equal(image.dag.digest, busybox);
    const content = await get(`/ui/api/images/${id}/manifests/${busybox}/fs/content?path=/etc/motd`);
    assert.equal(await content.text(), MOTD);
    const byDigest = await getJson(`/ui/api/images/${encodeURIComponent(`multi@${index}`)}`);
    assert.equal(byDigest.dag.kind, 'index');
    const images = await getJson('/ui/api/images');
    assert.deepEqual(
      images.map((i: { id: string; kind: string }) => [i.id, i.kind]),
      [
        ['library/busybox:latest', 'image'],
        ['multi:latest', 'index'],
      ],
    );
    const trust = await getJson(`/ui/api/images/${id}/trust`);
    assert.deepEqual(trust.subjects[0].signatures, []);
  });

  test('security: hostile repository names and references never read outside ROOT', async () => {
    for (const path of [
      `/ui/api/repositories/${encodeURIComponent('../outside')}/tags`,
      `/ui/api/repositories/${encodeURIComponent('/etc')}/tags`,
      '/ui/api/repositories/..%2F..%2Fetc/tags',
      `/ui/api/repositories/${encodeURIComponent('library/busybox/blobs')}/tags`,
      `/ui/api/images/${encodeURIComponent('../outside:latest')}`,
      `/ui/api/images/${encodeURIComponent('library/busybox:../../x')}`,
      `/ui/api/images/${encodeURIComponent('library/busybox@sha256:../../../etc/passwd')}`,
      `/ui/api/images/${encodeURIComponent('library/busybox')}`,
      '/ui/api/images/%E0%A4%A',
    ]) {
      const res = await get(path);
      assert.equal(res.status, 400, `${path}: ${await res.clone().text()}`);
    }
    // A repository folder that is a symlink out of ROOT is refused, not followed.
    for (const path of [
      `/ui/api/repositories/${encodeURIComponent('evil/link')}/tags`,
      `/ui/api/images/${encodeURIComponent('evil/link:latest')}`,
    ]) {
      const res = await get(path);
      assert.ok(res.status === 400 || res.status === 404, `${path}: ${res.status}`);
      assert.doesNotMatch(await res.text(), /outside/);
    }
    assert.equal((await get(`/ui/api/images/${encodeURIComponent('nothere:latest')}`)).status, 404);
    // Dot segments are resolved before the prefix is matched: they cannot reach past /ui/.
    assert.equal((await rawGet(server.url, '/ui/../v2/_catalog')).status, 404);
    assert.equal((await rawGet(server.url, '/ui/%2e%2e/v2/')).status, 404);
    // Nothing was written into ROOT, by these requests or the browsing before them.
    assert.deepEqual((await readdir(root, { recursive: true })).sort(), files);
    assert.equal((await fetch(`${server.url}/ui/api/images`, { method: 'POST' })).status, 405);
  });
});

describe('/ui/ behind serve credentials', () => {
  const dir = suiteScratch(after);
  let root: string;
  let htpasswd: string;
  const auth = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;

  before(async () => {
    ({ root } = await writeServeRoot(await dir()));
    htpasswd = join(await dir(), 'htpasswd');
    await writeHtpasswd(htpasswd, { alice: 's3cret' });
  });

  test('with --htpasswd, /ui/ and its API need the same credentials as pulls', async (t) => {
    const server = await serveWithUi(root, { htpasswd });
    t.after(() => server.close());
    for (const path of ['/ui/', '/ui/app.js', '/ui/api/repositories']) {
      const anonymous = await fetch(`${server.url}${path}`);
      assert.equal(anonymous.status, 401, path);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic/);
      const wrong = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` },
      });
      assert.equal(wrong.status, 401, path);
      const right = await fetch(`${server.url}${path}`, { headers: { authorization: auth } });
      assert.equal(right.status, 200, path);
    }
  });

  test('with --anonymous-read, /ui/ is open like pulls are', async (t) => {
    const server = await serveWithUi(root, { htpasswd, anonymousRead: true });
    t.after(() => server.close());
    assert.equal((await fetch(`${server.url}/ui/api/repositories`)).status, 200);
    // Pushes still need credentials.
    assert.equal((await fetch(`${server.url}/v2/x/blobs/uploads/`, { method: 'POST' })).status, 401);
  });

  test('ocikit serve mounts the explorer at /ui/; --no-ui leaves it out', async (t) => {
    for (const [flags, status] of [
      [[], 200],
      [['--no-ui'], 404],
    ] as const) {
      const run = startOcikit(['serve', root, '--listen', '127.0.0.1:0', '--read-only', ...flags]);
      t.after(() => {
        if (run.child.exitCode === null) run.child.kill('SIGKILL');
      });
      await run.until('it is listening', () => /serving .* on http:/.test(run.stderr()));
      const url = /on (http:\S+)/.exec(run.stderr())?.[1] as string;
      const res = await fetch(`${url}/ui/api/repositories`);
      assert.equal(res.status, status, flags.join(' '));
      run.child.kill('SIGTERM');
      await run.ended;
    }
  });
});
