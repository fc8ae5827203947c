/**
 * The build cache: every step keyed by its parent, its expanded instruction and the content (not
 * the times) of what it reads. An unchanged rebuild writes no layer and gives the same digest,
 * each step reported CACHED; touching a file's time rebuilds nothing; changing a file's content
 * rebuilds from the first step that reads it, never before; `--no-cache` rebuilds everything to
 * the same digest. The cache is an ordinary OCI layout that `ocikit fsck` verifies.
 */
import assert from 'node:assert/strict';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BuildEvent } from '../../src/build/index.ts';
import { build } from '../../src/build/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { buildIn } from './engine-helpers.ts';

const DOCKERFILE = [
  'FROM scratch',
  'COPY first.txt /first.txt',
  'ARG MODE=prod',
  'COPY second.txt /second.txt',
  'WORKDIR /app',
  'COPY src/ /app/',
  '',
].join('\n');
const FILES = { 'first.txt': '1', 'second.txt': '2', 'src/main.js': 'main', 'src/lib/util.js': 'util' };

/** Rebuilds the same context and cache, returning which layer steps were served from the cache. */
async function rebuild(
  context: string,
  cacheDir: string,
  options: { noCache?: boolean; buildArgs?: Record<string, string> } = {},
) {
  const events: BuildEvent[] = [];
  const result = await build({ context, cacheDir, onProgress: (e) => events.push(e), ...options });
  const steps = events.flatMap((e) =>
    e.kind === 'step' && e.status !== 'started' ? [`${e.cached ? 'CACHED' : 'BUILT'} ${e.text}`] : [],
  );
  return { result, steps };
}

test('an unchanged rebuild writes no layer, reports every step CACHED and gives the same digest', async (t) => {
  const first = await buildIn(t, DOCKERFILE, FILES);
  const layoutBlobs = (await readdir(join(first.cacheDir, 'blobs', 'sha256'))).length;
  const again = await rebuild(first.context, first.cacheDir);
  assert.equal(again.result.digest, first.result.digest);
  assert.deepEqual(again.steps, [
    'CACHED COPY first.txt /first.txt',
    'CACHED COPY second.txt /second.txt',
    'CACHED WORKDIR /app',
    'CACHED COPY src/ /app/',
  ]);
  assert.equal(again.result.builtSteps, 0);
  assert.equal((await readdir(join(first.cacheDir, 'blobs', 'sha256'))).length, layoutBlobs);
});

test('touching a file’s time rebuilds nothing; changing its content rebuilds from the first step reading it', async (t) => {
  const first = await buildIn(t, DOCKERFILE, FILES);
  await utimes(join(first.context, 'second.txt'), new Date(2030, 0, 1), new Date(2030, 0, 1));
  const touched = await rebuild(first.context, first.cacheDir);
  assert.equal(touched.result.builtSteps, 0);
  assert.equal(touched.result.digest, first.result.digest);
  // Same size and (clamped) time: only the content tells the new file from the old.
  await writeFile(join(first.context, 'second.txt'), '3');
  const changed = await rebuild(first.context, first.cacheDir);
  assert.deepEqual(changed.steps, [
    'CACHED COPY first.txt /first.txt',
    'BUILT COPY second.txt /second.txt',
    'BUILT WORKDIR /app',
    'BUILT COPY src/ /app/',
  ]);
  assert.notEqual(changed.result.digest, first.result.digest);
});

test('a build arg invalidates only the steps that use it', async (t) => {
  const dockerfile = 'FROM scratch\nARG WHERE=/a\nCOPY first.txt /x\nCOPY second.txt $WHERE\n';
  const first = await buildIn(t, dockerfile, FILES);
  const changed = await rebuild(first.context, first.cacheDir, { buildArgs: { WHERE: '/b' } });
  assert.deepEqual(changed.steps, ['CACHED COPY first.txt /x', 'BUILT COPY second.txt $WHERE']);
});

test('--no-cache builds every step anew, to the same digest', async (t) => {
  const first = await buildIn(t, DOCKERFILE, FILES);
  const fresh = await rebuild(first.context, first.cacheDir, { noCache: true });
  assert.equal(fresh.result.cachedSteps, 0);
  assert.equal(fresh.result.builtSteps, 4);
  assert.equal(fresh.result.digest, first.result.digest);
});

test('the cache is an OCI layout that fsck verifies', async (t) => {
  const first = await buildIn(t, DOCKERFILE, FILES);
  const fsck = await ocikit(['fsck', first.cacheDir]);
  assert.equal(fsck.code, 0, fsck.stderr);
  const tags = await ocikit(['ls', `oci:${first.cacheDir}`]);
  assert.equal(tags.code, 0, tags.stderr);
  // One tag per layer step, and the compressed form of each layer the written image holds.
  const names = tags.out.split('\n');
  assert.equal(names.filter((n) => /^step-[0-9a-f]{64}$/.test(n)).length, 4, tags.out);
  assert.equal(names.filter((n) => /^gzip-[0-9a-f]{64}$/.test(n)).length, 4, tags.out);
  assert.equal(names.length, 8);
});
