/**
 * What `ocikit sync` promises beyond choosing images: `--dry-run` lists and writes nothing; a
 * failing image stops the sync (non-zero exit) unless `--keep-going`, which copies the others and
 * names the failures at the end, still exiting non-zero; a re-run reads no blob again and copies
 * only the tags that changed.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { expectedImages, ok, registryImages, type SyncSource, startSyncSource } from './sync-fixtures.ts';

describe('ocikit sync: dry run, failures, re-runs', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let source: SyncSource;
  let target: RunningRegistry;
  let proxy: FaultProxy;
  after(async () => {
    await proxy?.stop();
    await source?.registry.stop();
    await target?.stop();
  });

  before(async () => {
    dir = await makeDir();
    source = await startSyncSource(dir);
    target = await startRegistry();
    proxy = await startFaultProxy(source.registry.host);
  });

  test('--dry-run lists every image and writes nothing, to a registry or to folders', async () => {
    const out = join(dir, 'dry');
    const listed = await ok(['sync', '--dry-run', '--dest', 'oci', `${source.registry.host}/app`, out]);
    assert.equal(listed.split('\n').length, 6);
    assert.match(listed, new RegExp(`${source.registry.host}/app:1\\.0\\.0 -> oci:${out}/app:1\\.0\\.0`));
    assert.equal(existsSync(out), false);
    await ok(['sync', '--dry-run', source.registry.host, `${target.host}/dry`]);
    assert.deepEqual(await registryImages(target.host, 'dry'), {});
  });

  test('a re-run reads no blob again and copies only the tags that changed', async () => {
    const from = `${proxy.host}/app`;
    await ok(['sync', '-q', from, `${target.host}/again`]);
    const all = ['1.0.0', '1.2.0', '2.0.0', '2.1.0-rc.1', 'latest', 'dev'];
    assert.deepEqual(await registryImages(target.host, 'again'), expectedImages(source, { app: all }));
    const blobGets = () => proxy.seen.filter((r) => r.method === 'GET' && r.path.includes('/blobs/')).length;
    // The first run read each of the four distinct blobs (config and layers) of three images.
    assert.ok(blobGets() > 0);
    proxy.seen.length = 0;
    const rerun = await ocikit(['sync', from, `${target.host}/again`]);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.equal(blobGets(), 0);
    assert.match(rerun.stderr, /synced 6 images: 0 copied, 6 unchanged/);
    // One tag moves to another image: only it is copied.
    await ok(['copy', '-q', `oci:${source.layout}:two`, `${source.registry.host}/app:dev`]);
    const changed = await ocikit(['sync', from, `${target.host}/again`]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stderr, /synced 6 images: 1 copied, 5 unchanged/);
    assert.match(changed.stderr, /copied .*\/app:dev to /);
    assert.equal((await registryImages(target.host, 'again'))['app:dev'], source.digests.two);
    await ok(['copy', '-q', `oci:${source.layout}:base`, `${source.registry.host}/app:dev`]);
  });

  test('images copied in parallel send each shared blob once', async () => {
    const front = await startFaultProxy(target.host);
    try {
      await ok(['sync', '-q', '--images', '6', `${source.registry.host}/app`, `${front.host}/once`]);
      const uploads = front.seen.filter((r) => r.method === 'POST' && r.path.includes('/blobs/uploads/'));
      // Three images over six distinct blobs: the shared base layer, a layer of each of the other
      // two images, and three configs.
      assert.equal(uploads.length, 6);
      assert.deepEqual(
        await registryImages(target.host, 'once'),
        expectedImages(source, { app: ['1.0.0', '1.2.0', '2.0.0', '2.1.0-rc.1', 'latest', 'dev'] }),
      );
    } finally {
      await front.stop();
    }
  });

  test('a failing image stops the sync; with --keep-going the others are copied and the failure named', async () => {
    // Image "one" loses its own layer in the registry's storage: every tag on it fails to copy.
    const manifest = JSON.parse(await ok(['manifest', `oci:${source.layout}:one`])) as {
      layers: { digest: string }[];
    };
    const lost = (manifest.layers.at(-1) as { digest: string }).digest;
    const hex = lost.slice('sha256:'.length);
    await rm(join(source.registry.dir, 'data/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex), {
      recursive: true,
    });

    const stopped = await ocikit([
      'sync',
      '-q',
      '--images',
      '1',
      '--dest',
      'oci',
      `${source.registry.host}/tools`,
      join(dir, 'stop'),
    ]);
    assert.notEqual(stopped.code, 0);
    assert.match(stopped.stderr, new RegExp(lost.slice(0, 20)));

    const out = join(dir, 'keep');
    const kept = await ocikit([
      'sync',
      '--keep-going',
      '--dest',
      'oci',
      `${source.registry.host}/tools`,
      out,
    ]);
    assert.notEqual(kept.code, 0);
    assert.match(kept.stderr, /failed: [^\n]*\/tools:v1\.0: /);
    assert.match(kept.stderr, /1 of 3 images failed/);
    assert.deepEqual(await readdir(out), ['tools']);
    assert.equal(await ok(['digest', `oci:${join(out, 'tools')}:v2.3.4`]), source.digests.two);
    assert.equal(await ok(['digest', `oci:${join(out, 'tools')}:keep-a`]), source.digests.base);
    const tags = await ok(['ls', `oci:${join(out, 'tools')}`]);
    assert.deepEqual(tags.split('\n').sort(), ['keep-a', 'v2.3.4']);
    await ok(['fsck', join(out, 'tools')]);
  });
});
