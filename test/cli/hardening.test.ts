/**
 * CLI cases found by review: a tag can never name another folder, a failed unpack leaves no
 * half bundle, `--platform` is checked on single images, bad values are usage errors, and an
 * archive destination is reported by name and digest.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { suiteScratch } from '../helpers/tmp.ts';

describe('CLI hardening', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let image: string;

  before(async () => {
    dir = await makeDir();
    await mkdir(join(dir, 'tree/etc'), { recursive: true });
    await writeFile(join(dir, 'tree/etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    image = `oci:${join(dir, 'layout')}:img`;
    assert.equal((await ocikit(['append', 'scratch', join(dir, 'tree'), '-t', image])).code, 0);
  });

  test('tag refuses a tag that would name another folder (path escape)', async () => {
    for (const tag of ['../../evil', 'bad tag', 'a/b']) {
      const result = await ocikit(['tag', image, tag]);
      assert.equal(result.code, 1, `${tag}: ${result.stderr}`);
      assert.match(result.stderr, /INVALID_REFERENCE/);
    }
    assert.equal(existsSync(join(dir, '..', 'evil')), false);
    assert.deepEqual((await readdir(dir)).sort(), ['layout', 'tree']);
  });

  test('an unpack that fails on an unknown user leaves no bundle behind', async () => {
    const ghost = `oci:${join(dir, 'layout')}:ghost`;
    assert.equal((await ocikit(['mutate', image, '--user', 'ghost', '-t', ghost])).code, 0);
    const bundle = join(dir, 'bundle-ghost');
    const result = await ocikit(['unpack', ghost, bundle]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /NOT_FOUND: .*ghost/);
    assert.equal(existsSync(bundle), false, 'the bundle this unpack created is removed');
  });

  test('--platform on a single-platform image must match it', async () => {
    const result = await ocikit(['digest', '--platform', 'linux/s390x', image]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /NO_MATCHING_PLATFORM/);
  });

  test('a bad --timestamp is a usage error', async () => {
    for (const value of ['abc', '-5', '99999999999999999']) {
      const result = await ocikit([
        'append',
        '--timestamp',
        value,
        'scratch',
        join(dir, 'tree'),
        '-t',
        `oci:${join(dir, 'ts')}:x`,
      ]);
      assert.equal(result.code, 2, `${value}: ${result.stderr}`);
    }
  });

  test('copy to an archive prints its name and the digest, not a reference that cannot be read back', async () => {
    const archive = `oci-archive:${join(dir, 'a.tar')}:img`;
    const result = await ocikit(['copy', '-q', image, archive]);
    assert.equal(result.code, 0, result.stderr);
    const digest = (await ocikit(['digest', image])).out;
    assert.equal(result.out, `${archive} ${digest}`);
    assert.equal((await ocikit(['digest', archive])).out, digest);
  });
});
