/**
 * Security cases of the archive transports (src/transports/archive): link targets inside a
 * hostile `docker save` tar are resolved lexically; a very long target must end in an OciError.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { openTop } from '../../src/image/index.ts';
import { openSource } from '../../src/transports/index.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';

test('a docker-archive whose manifest.json is a symlink with 200k path components fails with an OciError', async (t) => {
  const file = join(await scratch(t, 'ocikit-sec-archive-'), 'save.tar');
  // 400 KB of "a/": under the 1 MiB PAX limit, but spread into one call it overflows the stack.
  const target = `${'a/'.repeat(200_000)}x`;
  await writeFile(
    file,
    await hostileTar([{ name: 'manifest.json', type: 'symlink', linkname: 'y', pax: { linkpath: target } }]),
  );
  let thrown: unknown;
  try {
    const source = await openSource(`docker-archive:${file}`);
    try {
      await openTop(source);
    } finally {
      await source.close();
    }
  } catch (err) {
    thrown = err;
  }
  assert.ok(thrown !== undefined, 'the archive was accepted');
  assert.ok(
    isOciError(thrown),
    `a non-OciError escaped: ${(thrown as Error).name}: ${(thrown as Error).message}`,
  );
});
