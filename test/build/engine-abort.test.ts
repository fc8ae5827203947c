/**
 * A build stopped through its AbortSignal rejects with ABORTED, writes nothing to its
 * destination and leaves no temporary folder behind in the cache.
 */
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { build } from '../../src/build/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeTree } from './engine-helpers.ts';

test('aborting a build rejects with ABORTED and leaves nothing half-written', async (t) => {
  const dir = await scratch(t);
  const files: Record<string, string> = {
    Dockerfile: 'FROM scratch\nCOPY big/ /big/\nCOPY small /small\n',
    small: 's',
  };
  for (let i = 0; i < 200; i++) files[`big/f${i}`] = 'x'.repeat(64 * 1024);
  await writeTree(join(dir, 'ctx'), files);
  const controller = new AbortController();
  const out = join(dir, 'out');
  await assert.rejects(
    build({
      context: join(dir, 'ctx'),
      cacheDir: join(dir, 'cache'),
      tags: [`oci:${out}:x`],
      signal: controller.signal,
      onProgress: (event) => {
        if (event.kind === 'step' && event.status === 'started') controller.abort();
      },
    }),
    (err: unknown) => isOciError(err, 'ABORTED'),
  );
  await assert.rejects(stat(out), { code: 'ENOENT' });
  const left = await readdir(join(dir, 'cache'));
  assert.deepEqual(
    left.filter((name) => name.startsWith('tmp-')),
    [],
  );
});
