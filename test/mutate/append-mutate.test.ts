/**
 * New images from old ones: `append` and `mutate` write layouts that oci-image-tool validates and
 * fsck verifies, with DiffIDs, history, ChainID and ImageID right, byte-reproducibly.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { layerFromDirectory } from '../../src/mutate/index.ts';
import { chainId, chainIds } from '../../src/spec/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function ok(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const result = await ocikit(args, { env });
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

async function blob(layout: string, digest: string): Promise<Buffer> {
  return readFile(join(layout, 'blobs', ...digest.split(':')));
}

describe('append and mutate', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let one: string;
  let two: string;

  before(async () => {
    dir = await makeDir();
    one = join(dir, 'one');
    two = join(dir, 'two');
    await mkdir(join(one, 'etc'), { recursive: true });
    await writeFile(join(one, 'etc/os-release'), 'NAME=demo\n');
    await mkdir(join(one, 'usr/bin'), { recursive: true });
    await writeFile(join(one, 'usr/bin/tool'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
    await symlink('usr/bin', join(one, 'bin'));
    await mkdir(join(two, 'app'), { recursive: true });
    await writeFile(join(two, 'app/data.txt'), 'x'.repeat(5 << 20));
  });

  test('append writes one layer per directory, with DiffIDs, history, ChainID and ImageID right', async () => {
    const layout = join(dir, 'appended');
    await ok(['append', 'scratch', one, two, '-t', `oci:${layout}:img`], { SOURCE_DATE_EPOCH: '1700000000' });
    const manifest = JSON.parse((await ok(['inspect', '--raw', `oci:${layout}:img`])) || '{}');
    assert.equal(manifest.layers.length, 2);
    const configBytes = await blob(layout, manifest.config.digest);
    assert.equal(sha256(configBytes), manifest.config.digest, 'ImageID is the digest of the config bytes');
    const config = JSON.parse(configBytes.toString('utf8'));
    assert.equal(config.rootfs.type, 'layers');
    assert.equal(config.rootfs.diff_ids.length, 2);
    const diffIds: string[] = [];
    for (const [i, layer] of manifest.layers.entries()) {
      assert.equal(layer.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
      const gunzipped = await run('bash', [
        '-c',
        `gzip -dc < ${join(layout, 'blobs', ...layer.digest.split(':'))} | sha256sum`,
      ]);
      diffIds.push(`sha256:${gunzipped.split(' ')[0]}`);
      assert.equal(diffIds[i], config.rootfs.diff_ids[i], `layer ${i} DiffID`);
    }
    assert.equal(config.history.length, 2);
    assert.equal(config.history[0].created, '2023-11-14T22:13:20Z');
    assert.equal(config.created, '2023-11-14T22:13:20Z');
    // config.md "Layer ChainID": ChainID(L0|L1) = Digest(DiffID(L0) + " " + DiffID(L1)), from the
    // DiffIDs gzip and sha256sum gave.
    const [lower, upper] = diffIds;
    assert.deepEqual(chainIds(config.rootfs.diff_ids), [lower, sha256(Buffer.from(`${lower} ${upper}`))]);
    assert.equal(chainId(config.rootfs.diff_ids), sha256(Buffer.from(`${lower} ${upper}`)));
    await run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=img', layout]);
    assert.match(await ok(['fsck', layout]), /^ok: /);
  });

  test('append is byte-reproducible across runs and gzip thread counts', async () => {
    const a = join(dir, 'repro-a');
    const b = join(dir, 'repro-b');
    const env = { SOURCE_DATE_EPOCH: '1600000000' };
    await ok(['append', 'scratch', one, two, '-t', `oci:${a}:img`], env);
    await ok(['append', 'scratch', one, two, '-t', `oci:${b}:img`], env);
    assert.equal(await ok(['digest', `oci:${a}:img`]), await ok(['digest', `oci:${b}:img`]));
    const threads = await Promise.all(
      [1, 2, 4].map((n) => layerFromDirectory(two, { threads: n, timestamp: 1600000000 })),
    );
    try {
      assert.equal(
        new Set(threads.map((l) => l.descriptor.digest)).size,
        1,
        'same layer digest for 1, 2 and 4 threads',
      );
      assert.equal(new Set(threads.map((l) => l.diffId)).size, 1);
    } finally {
      await Promise.all(threads.map((l) => l.dispose()));
    }
  });

  test('mutate changes the config and annotations, keeps the layers, and validates', async () => {
    const layout = join(dir, 'mutated');
    await ok(['append', 'scratch', one, '-t', `oci:${layout}:base`]);
    await ok([
      'mutate',
      `oci:${layout}:base`,
      '-t',
      `oci:${layout}:new`,
      '--entrypoint',
      '["/usr/bin/tool","--flag"]',
      '--cmd',
      'arg',
      '--env',
      'A=1',
      '--env',
      'PATH=/usr/bin',
      '--label',
      'l=v',
      '--workdir',
      '/srv',
      '--user',
      '1000:1000',
      '--expose',
      '8080',
      '--expose',
      '53/udp',
      '--annotation',
      'org.example.note=hi',
      '--set-platform',
      'linux/arm64',
    ]);
    const base = JSON.parse(await ok(['inspect', '--raw', `oci:${layout}:base`]));
    const next = JSON.parse(await ok(['inspect', '--raw', `oci:${layout}:new`]));
    assert.deepEqual(next.layers, base.layers);
    assert.equal(next.annotations['org.example.note'], 'hi');
    const config = JSON.parse(await ok(['inspect', '--config', '--raw', `oci:${layout}:new`]));
    assert.deepEqual(config.config.Entrypoint, ['/usr/bin/tool', '--flag']);
    assert.deepEqual(config.config.Cmd, ['arg']);
    assert.deepEqual(config.config.Env, ['A=1', 'PATH=/usr/bin']);
    assert.deepEqual(config.config.Labels, { l: 'v' });
    assert.equal(config.config.WorkingDir, '/srv');
    assert.equal(config.config.User, '1000:1000');
    assert.deepEqual(Object.keys(config.config.ExposedPorts).sort(), ['53/udp', '8080/tcp']);
    assert.equal(config.architecture, 'arm64');
    assert.deepEqual(
      config.rootfs,
      JSON.parse(await ok(['inspect', '--config', '--raw', `oci:${layout}:base`])).rootfs,
    );
    await run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=new', layout]);
    assert.match(await ok(['fsck', layout]), /^ok: /);
  });

  test('export writes the flattened filesystem, and diff lists what changed', async () => {
    const layout = join(dir, 'exported');
    await ok(['append', 'scratch', one, two, '-t', `oci:${layout}:img`]);
    const tarFile = join(dir, 'fs.tar');
    await ok(['export', `oci:${layout}:img`, tarFile]);
    const listing = (await run('tar', ['-tf', tarFile])).split('\n').filter(Boolean).sort();
    assert.ok(
      listing.includes('etc/os-release') && listing.includes('app/data.txt') && listing.includes('bin'),
      listing.join(','),
    );
    await ok(['append', 'scratch', one, '-t', `oci:${layout}:small`]);
    const diff = await ok(['diff', `oci:${layout}:small`, `oci:${layout}:img`]);
    assert.deepEqual(diff.split('\n'), ['A /app', 'A /app/data.txt']);
  });
});
