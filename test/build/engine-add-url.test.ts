/**
 * ADD of http(s) URLs, from a real HTTP server (Python's http.server on 127.0.0.1): the file is
 * downloaded, named after the URL's last path segment, mode 0600 as BuildKit makes it, a remote
 * archive is not unpacked, `--checksum` is enforced, and a missing file fails naming the line.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOciError } from '../../src/errors/index.ts';
import { run } from '../helpers/exec.ts';
import { freePort } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { buildIn, listImage, writeTree } from './engine-helpers.ts';

let server: ChildProcess;
let base = '';
const servedDir = suiteScratch(after, 'ocikit-http-');
const SERVED = { 'files/notes.txt': 'remote notes\n' };

before(async () => {
  const dir = await servedDir();
  await writeTree(dir, SERVED);
  await run('tar', ['-czf', join(dir, 'files', 'bundle.tgz'), '-C', join(dir, 'files'), 'notes.txt']);
  const port = await freePort();
  server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(port)], {
    cwd: dir,
    stdio: 'ignore',
  });
  base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${base}/files/notes.txt`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(50);
  }
  throw new Error('the HTTP server did not start');
});
after(() => {
  server.kill();
});

test('ADD of a URL downloads one file, mode 0600, named after the URL, archives left packed', async (t) => {
  const { layout } = await buildIn(
    t,
    `FROM scratch\nADD ${base}/files/notes.txt ${base}/files/bundle.tgz /remote/\n`,
  );
  const [layer] = await listImage(layout);
  assert.equal(layer?.length, 3);
  assert.equal(layer?.[0], 'd 0755 0:0 0 remote/');
  assert.equal(layer?.[1], '- 0600 0:0 13 remote/notes.txt');
  assert.match(layer?.[2] ?? '', /^- 0600 0:0 \d+ remote\/bundle\.tgz$/);
});

test('--checksum is enforced; a missing file fails naming the line', async (t) => {
  const good = `sha256:${createHash('sha256').update(SERVED['files/notes.txt']).digest('hex')}`;
  const { layout } = await buildIn(t, `FROM scratch\nADD --checksum=${good} ${base}/files/notes.txt /n\n`);
  assert.deepEqual(await listImage(layout), [['- 0600 0:0 13 n']]);
  await assert.rejects(
    buildIn(t, `FROM scratch\nADD --checksum=sha256:${'0'.repeat(64)} ${base}/files/notes.txt /n\n`),
    (err: unknown) => isOciError(err, 'DIGEST_MISMATCH') && /^Dockerfile:2: /.test((err as Error).message),
  );
  await assert.rejects(
    buildIn(t, `FROM scratch\n\nADD ${base}/files/missing /m\n`),
    (err: unknown) =>
      isOciError(err, 'NOT_FOUND') && /^Dockerfile:3: fetching .*HTTP 404/.test((err as Error).message),
  );
  await assert.rejects(buildIn(t, `FROM scratch\nCOPY ${base}/files/notes.txt /n\n`), (err: unknown) =>
    /^Dockerfile:2: source can't be a URL for COPY$/.test((err as Error).message),
  );
});

test('ADD of a Git repository is refused as unsupported, naming the line', async (t) => {
  for (const source of [
    'https://git.example.invalid/org/repo.git',
    'git@git.example.invalid:org/repo.git#main',
  ]) {
    await assert.rejects(
      buildIn(t, `FROM scratch\nADD ${source} /src\n`),
      (err: unknown) =>
        isOciError(err, 'UNSUPPORTED') &&
        /^Dockerfile:2: ADD of a Git repository/.test((err as Error).message),
      source,
    );
  }
});
