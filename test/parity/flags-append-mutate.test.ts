/**
 * `append -f LAYER.tar[.gz]` (crane append): layers from tarballs, a compressed one kept byte for
 * byte, an uncompressed one gzipped, a file that is no tar refused; and `mutate --unset-env`,
 * `--unset-label`, `--unset-expose`, `--unset-volume` removing what the config declares. umoci
 * unpacks the results.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';

const sha = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

describe('append -f and mutate --unset-*', () => {
  const makeDir = suiteScratch(after);
  let dir: string;

  before(async () => {
    dir = await makeDir();
    await mkdir(join(dir, 'one/etc'), { recursive: true });
    await writeFile(join(dir, 'one/etc/one'), 'one\n');
    await mkdir(join(dir, 'two/etc'), { recursive: true });
    await writeFile(join(dir, 'two/etc/two'), 'two\n');
    await run('tar', ['-C', join(dir, 'one'), '-cf', join(dir, 'one.tar'), 'etc']);
    await run('tar', ['-C', join(dir, 'two'), '-cf', join(dir, 'two.tar'), 'etc']);
    await run('gzip', ['-n', '-k', join(dir, 'two.tar')]);
  });

  test('append -f adds tarball layers: .tar.gz as it is, .tar gzipped; umoci unpacks them', async () => {
    const layout = join(dir, 'layout');
    await ok([
      'append',
      'scratch',
      '-f',
      join(dir, 'one.tar'),
      '-f',
      join(dir, 'two.tar.gz'),
      '-t',
      `oci:${layout}:app`,
    ]);
    const manifest = JSON.parse(await ok(['inspect', '--raw', `oci:${layout}:app`]));
    const config = JSON.parse(await ok(['inspect', '--config', `oci:${layout}:app`]));
    assert.equal(manifest.layers.length, 2);
    assert.deepEqual(
      manifest.layers.map((l: { mediaType: string }) => l.mediaType),
      ['application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.oci.image.layer.v1.tar+gzip'],
    );
    // The gzip tarball is the blob itself; both DiffIDs are the digests of the plain tars.
    assert.equal(manifest.layers[1].digest, sha(await readFile(join(dir, 'two.tar.gz'))));
    assert.deepEqual(config.rootfs.diff_ids, [
      sha(await readFile(join(dir, 'one.tar'))),
      sha(await readFile(join(dir, 'two.tar'))),
    ]);
    const bundle = join(dir, 'bundle');
    await run('umoci', ['unpack', '--rootless', '--image', `${layout}:app`, bundle]);
    assert.equal(await readFile(join(bundle, 'rootfs/etc/one'), 'utf8'), 'one\n');
    assert.equal(await readFile(join(bundle, 'rootfs/etc/two'), 'utf8'), 'two\n');
    // Directories and tarballs together: the directories' layers first.
    await ok([
      'append',
      `oci:${layout}:app`,
      join(dir, 'one'),
      '-f',
      join(dir, 'two.tar'),
      '-t',
      `oci:${layout}:more`,
    ]);
    assert.equal(JSON.parse(await ok(['inspect', '--raw', `oci:${layout}:more`])).layers.length, 4);
  });

  test('append -f refuses a file that is not a tar, and writes nothing', async () => {
    await writeFile(join(dir, 'junk.tar'), Buffer.alloc(3000, 0x41));
    const out = join(dir, 'junk-out');
    const result = await ocikit(['append', 'scratch', '-f', join(dir, 'junk.tar'), '-t', `oci:${out}:x`]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^ocikit: INVALID_ARCHIVE: .*junk\.tar/m);
    assert.ok(!(await readdir(dir)).includes('junk-out'));
    const none = await ocikit(['append', 'scratch', '-t', `oci:${out}:x`]);
    assert.equal(none.code, 2, none.stderr);
  });

  test('mutate --unset-env/--unset-label/--unset-expose/--unset-volume remove those keys only', async () => {
    const layout = join(dir, 'mutate');
    await ok(['append', 'scratch', join(dir, 'one'), '-t', `oci:${layout}:base`]);
    await ok([
      'mutate',
      `oci:${layout}:base`,
      '--env',
      'A=1',
      '--env',
      'B=2',
      '--label',
      'x=1',
      '--label',
      'y=2',
      '--expose',
      '80',
      '--expose',
      '53/udp',
      '--volume',
      '/data',
      '--volume',
      '/cache',
      '-t',
      `oci:${layout}:set`,
    ]);
    await ok([
      'mutate',
      `oci:${layout}:set`,
      '--unset-env',
      'A',
      '--unset-label',
      'x',
      '--unset-expose',
      '80',
      '--unset-volume',
      '/data',
      '-t',
      `oci:${layout}:unset`,
    ]);
    const config = JSON.parse(await ok(['inspect', '--config', `oci:${layout}:unset`])).config;
    assert.deepEqual(config.Env, ['B=2']);
    assert.deepEqual(config.Labels, { y: '2' });
    assert.deepEqual(config.ExposedPorts, { '53/udp': {} });
    assert.deepEqual(config.Volumes, { '/cache': {} });
    // Removing the last one removes the field; umoci reads the result.
    await ok([
      'mutate',
      `oci:${layout}:unset`,
      '--unset-env',
      'B',
      '--unset-label',
      'y',
      '--unset-expose',
      '53/udp',
      '--unset-volume',
      '/cache',
      '-t',
      `oci:${layout}:empty`,
    ]);
    const empty = JSON.parse(await ok(['inspect', '--config', `oci:${layout}:empty`])).config ?? {};
    for (const field of ['Env', 'Labels', 'ExposedPorts', 'Volumes'])
      assert.equal(empty[field], undefined, field);
    const stat = await run('umoci', ['stat', '--json', '--image', `${layout}:empty`]);
    assert.ok(JSON.parse(stat).history.length >= 1);
  });
});
