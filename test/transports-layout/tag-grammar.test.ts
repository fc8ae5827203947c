/**
 * `oci:DIR:TAG`: a tag follows the ref.name grammar of image-layout.md. A bad tag is an
 * INVALID_REFERENCE error, never silently read as part of a folder name (`oci:nt:bad tag` used to
 * create a folder named `nt:bad tag`).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { parseLayoutReference } from '../../src/transports/layout/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { suiteScratch } from '../helpers/tmp.ts';

describe('oci: tags', () => {
  test('a text after the last ":" with no "/" is a tag, and a bad one is refused', () => {
    for (const text of [
      'oci:nt:bad tag',
      'oci:a:b:bad tag',
      'oci:dir:..',
      'oci:dir:-x',
      'oci:dir:x-',
      'oci:dir:a__b',
      'oci:dir:ünï',
      'oci:dir:a\u0000b',
      `oci:dir:${'a'.repeat(10)}?`,
    ]) {
      assert.throws(
        () => parseLayoutReference(text),
        (err) => {
          assert.ok(isOciError(err, 'INVALID_REFERENCE'), `${text}: ${String(err)}`);
          assert.match(err.message, /not a valid tag/);
          return true;
        },
        JSON.stringify(text),
      );
    }
  });

  test('tags of the grammar and folders with ":" in them still parse', () => {
    assert.deepEqual(parseLayoutReference('oci:dir:v1.0-rc.1'), { dir: 'dir', tag: 'v1.0-rc.1' });
    assert.deepEqual(parseLayoutReference('oci:dir:a--b+c@d'), { dir: 'dir', tag: 'a--b+c@d' });
    assert.deepEqual(parseLayoutReference('oci:/data/a:b:latest'), { dir: '/data/a:b', tag: 'latest' });
    assert.deepEqual(parseLayoutReference('oci:/mnt/c:x/layout'), { dir: '/mnt/c:x/layout' });
  });

  describe('on the command line', () => {
    const makeDir = suiteScratch(after);
    let dir: string;
    let image: string;

    before(async () => {
      dir = await makeDir();
      await mkdir(join(dir, 'tree'), { recursive: true });
      await writeFile(join(dir, 'tree/hello'), 'hello\n');
      image = `oci:${join(dir, 'layout')}:img`;
      const built = await ocikit(['append', 'scratch', join(dir, 'tree'), '-t', image]);
      assert.equal(built.code, 0, built.stderr);
    });

    test('copy to a bad tag fails and creates no folder', async () => {
      for (const destination of ['nt:bad tag', 'x:y:bad tag']) {
        const result = await ocikit(['copy', '-q', image, `oci:${join(dir, destination)}`]);
        assert.equal(result.code, 1, `${destination}: ${result.stderr}`);
        assert.match(result.stderr, /^ocikit: INVALID_REFERENCE: .*not a valid tag/m);
        assert.equal(result.out, '');
      }
      assert.deepEqual((await readdir(dir)).sort(), ['layout', 'tree']);
      assert.equal(existsSync(join(dir, 'nt:bad tag')), false);
    });
  });
});
