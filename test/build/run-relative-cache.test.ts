/**
 * `ocikit build --cache-dir DIR` with a relative DIR: RUN steps mount overlays and start runc
 * with paths under the cache, which must be absolute (mount resolves them from its own working
 * folder, runc from the bundle's), so a relative cache folder is taken from the current folder.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { readImage } from './engine-helpers.ts';
import { makePeerBase } from './peer-base.ts';

test('a RUN step builds with a relative --cache-dir, and no warning about overlays', async (t) => {
  const dir = await scratch(t, 'ocikit-run-relcache-');
  const base = (await makePeerBase(join(dir, 'base'))).name;
  await mkdir(join(dir, 'ctx'));
  await writeFile(join(dir, 'ctx', 'Dockerfile'), `FROM ${base}\nRUN echo ran > /ran\n`);
  const result = await ocikit(
    ['build', 'ctx', '-t', 'oci:out:img', '--cache-dir', 'cache', '--network', 'none', '--progress', 'plain'],
    { cwd: dir },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stderr, /comparing snapshots instead/);
  const image = await readImage(join(dir, 'out'));
  assert.equal(await run('tar', ['-xzOf', image.layers.at(-1) as string, 'ran']), 'ran\n');
});
