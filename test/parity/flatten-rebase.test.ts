/**
 * `ocikit flatten` and `ocikit rebase` (crane's): the results unpack, with `umoci unpack`, to the
 * rootfs the same content gives, pass `oci-image-tool validate`, keep the config's history in step
 * with the layers, and work on every child of an index.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { type SnapshotEntry, snapshotTree } from '../helpers/tree-snapshot.ts';
import {
  layerTars,
  type UmociImage,
  umociRawImage,
  umociRepackImage,
  umociUnpack,
} from '../helpers/umoci-image.ts';
import {
  type ConfigJson,
  type IndexJson,
  type ManifestJson,
  readJsonBlob,
  taggedDescriptor,
  validateIndex,
} from './fixtures.ts';

/** The rootfs `umoci unpack` gives for `layout:tag` (times left out: layers written at different times). */
async function umociTree(layout: string, tag: string, bundle: string): Promise<SnapshotEntry[]> {
  return snapshotTree(await umociUnpack(layout, tag, bundle), { mtimes: false });
}

async function ok(args: string[]): Promise<string> {
  const r = await ocikit(args);
  assert.equal(r.code, 0, `ocikit ${args.join(' ')}: ${r.stderr}`);
  return r.out;
}

function manifestOf(layout: string, tag: string): ManifestJson {
  return readJsonBlob<ManifestJson>(layout, taggedDescriptor(layout, tag).digest);
}

describe('flatten and rebase', () => {
  const makeDir = suiteScratch(after, 'ocikit-parity-');
  let dir: string;
  let app: UmociImage;
  let newBase: UmociImage;

  before(async () => {
    dir = await makeDir();
    // step-1 is the old base; steps 2 and 3 are the application, with deletions and a kind change.
    app = await umociRepackImage(join(dir, 'app'), [
      (r) => {
        mkdirSync(`${r}/etc`);
        writeFileSync(`${r}/etc/os-release`, 'old base\n');
        mkdirSync(`${r}/usr/lib`, { recursive: true });
        writeFileSync(`${r}/usr/lib/libold.so`, 'old library');
      },
      (r) => {
        mkdirSync(`${r}/app/data`, { recursive: true });
        writeFileSync(`${r}/app/main`, 'main program');
        writeFileSync(`${r}/app/data/x`, 'x');
        symlinkSync('main', `${r}/app/link`);
      },
      (r) => {
        rmSync(`${r}/app/data`, { recursive: true });
        writeFileSync(`${r}/app/data`, 'now a file');
        writeFileSync(`${r}/app/main`, 'main program, v2');
      },
    ]);
    newBase = await umociRepackImage(join(dir, 'newbase'), [
      (r) => {
        mkdirSync(`${r}/etc`);
        writeFileSync(`${r}/etc/os-release`, 'new base\n');
        mkdirSync(`${r}/usr/lib`, { recursive: true });
        writeFileSync(`${r}/usr/lib/libnew.so`, 'new library');
      },
    ]);
  });

  test('flatten: one layer, one history entry, the same rootfs, valid for oci-image-tool', async () => {
    const out = join(dir, 'flat');
    const printed = await ok(['flatten', app.name, '-t', `oci:${out}:flat`]);
    assert.match(printed, /@sha256:[0-9a-f]{64}$/);
    const manifest = manifestOf(out, 'flat');
    assert.equal(manifest.layers.length, 1);
    const config = readJsonBlob<ConfigJson>(out, manifest.config.digest);
    assert.equal(config.rootfs.diff_ids.length, 1);
    assert.equal(config.history?.length, 1);
    assert.notEqual(config.history?.[0]?.empty_layer, true);
    assert.match(config.history?.[0]?.created_by ?? '', /flatten/);
    assert.deepEqual(
      await umociTree(out, 'flat', join(dir, 'flat-bundle')),
      await umociTree(app.layout, app.tag, join(dir, 'app-bundle')),
    );
    await run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=flat', out]);
  });

  test('rebase: the new base under the upper layers, as umoci stacks the same layers', async () => {
    const out = join(dir, 'rebased');
    await ok([
      'rebase',
      app.name,
      '--old-base',
      `oci:${app.layout}:step-1`,
      '--new-base',
      newBase.name,
      '-t',
      `oci:${out}:r`,
    ]);
    const expected = await umociRawImage(join(dir, 'expected'), [
      ...layerTars(newBase.layout, newBase.tag),
      ...layerTars(app.layout, app.tag).slice(1),
    ]);
    assert.deepEqual(
      await umociTree(out, 'r', join(dir, 'rebased-bundle')),
      await umociTree(expected.layout, expected.tag, join(dir, 'expected-bundle')),
    );
    const manifest = manifestOf(out, 'r');
    const appManifest = manifestOf(app.layout, app.tag);
    const baseManifest = manifestOf(newBase.layout, newBase.tag);
    assert.deepEqual(
      manifest.layers.map((l) => l.digest),
      [...baseManifest.layers, ...appManifest.layers.slice(1)].map((l) => l.digest),
    );
    const config = readJsonBlob<ConfigJson>(out, manifest.config.digest);
    const appConfig = readJsonBlob<ConfigJson>(app.layout, appManifest.config.digest);
    const baseConfig = readJsonBlob<ConfigJson>(newBase.layout, baseManifest.config.digest);
    assert.deepEqual(config.rootfs.diff_ids, [
      ...baseConfig.rootfs.diff_ids,
      ...appConfig.rootfs.diff_ids.slice(1),
    ]);
    assert.deepEqual(config.history, [...(baseConfig.history ?? []), ...(appConfig.history ?? []).slice(1)]);
    await run('oci-image-tool', ['validate', '--type', 'image', '--ref', 'name=r', out]);
    assert.equal((await ocikit(['validate', `oci:${out}:r`])).code, 0);
  });

  test('rebase refuses an old base whose layers are not the lower layers of the image', async () => {
    const out = join(dir, 'refused');
    const r = await ocikit([
      'rebase',
      app.name,
      '--old-base',
      newBase.name,
      '--new-base',
      `oci:${app.layout}:step-1`,
      '-t',
      `oci:${out}:r`,
    ]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ocikit: INVALID_ARGUMENT: .*not the lower layers/m);
  });

  test('flatten and rebase an index: every child, platforms kept', async () => {
    const layout = join(dir, 'multi');
    await ok(['mutate', app.name, '--set-platform', 'linux/arm64', '-t', `oci:${layout}:arm`]);
    await ok(['index', 'create', '-m', app.name, '-m', `oci:${layout}:arm`, '-t', `oci:${layout}:idx`]);

    await ok(['flatten', `oci:${layout}:idx`, '-t', `oci:${layout}:flat`]);
    await ok([
      'rebase',
      `oci:${layout}:idx`,
      '--old-base',
      `oci:${app.layout}:step-1`,
      '--new-base',
      newBase.name,
      '-t',
      `oci:${layout}:rebased`,
    ]);
    const baseLayers = manifestOf(newBase.layout, newBase.tag).layers.map((l) => l.digest);
    for (const tag of ['flat', 'rebased']) {
      await validateIndex(layout, tag);
      const index = readJsonBlob<IndexJson>(layout, taggedDescriptor(layout, tag).digest);
      assert.deepEqual(
        index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`),
        ['linux/amd64', 'linux/arm64'],
      );
      for (const child of index.manifests) {
        const manifest = readJsonBlob<ManifestJson>(layout, child.digest);
        const config = readJsonBlob<ConfigJson>(layout, manifest.config.digest);
        assert.equal(config.architecture, child.platform?.architecture);
        if (tag === 'flat') assert.equal(manifest.layers.length, 1);
        else assert.deepEqual(manifest.layers.map((l) => l.digest).slice(0, 1), baseLayers);
      }
    }
    // The arm64 child of the rebased index, pulled out and unpacked by umoci.
    await ok(['copy', '--platform', 'linux/arm64', `oci:${layout}:rebased`, `oci:${layout}:arm-rebased`]);
    await ok([
      'rebase',
      app.name,
      '--old-base',
      `oci:${app.layout}:step-1`,
      '--new-base',
      newBase.name,
      '-t',
      `oci:${layout}:single`,
    ]);
    assert.deepEqual(
      await umociTree(layout, 'arm-rebased', join(dir, 'arm-bundle')),
      await umociTree(layout, 'single', join(dir, 'single-bundle')),
    );
  });
});
