/**
 * `ocikit sync --src dir` against `skopeo sync --src dir`: the `dir:` folders skopeo's own
 * `sync --dest dir` wrote go to a registry under the same names and digests (scoped names with
 * a port are refused by both); a single image folder given itself is named by its folder; the OCI layouts ocikit's
 * `sync --dest oci` wrote go back to a registry with every tag; a folder without images and two
 * images that would land on one name are refused before anything is written.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { expectedImages, ok, registryImages, type SyncSource, startSyncSource } from './sync-fixtures.ts';

describe('ocikit sync --src dir and skopeo sync --src dir', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let source: SyncSource;
  let target: RunningRegistry;
  /** skopeo's `sync --dest dir` of the tools repository, plain and scoped. */
  let plain: string;
  let scoped: string;
  after(async () => {
    await source?.registry.stop();
    await target?.stop();
  });

  before(async () => {
    dir = await makeDir();
    source = await startSyncSource(dir);
    target = await startRegistry();
    plain = join(dir, 'sk-plain');
    scoped = join(dir, 'sk-scoped');
    for (const [out, flags] of [
      [plain, []],
      [scoped, ['--scoped']],
    ] as const) {
      await run('skopeo', [
        'sync',
        '--src',
        'docker',
        '--dest',
        'dir',
        '--src-tls-verify=false',
        ...flags,
        `${source.registry.host}/tools`,
        out,
      ]);
    }
  });

  const skopeoFromDir = (folder: string, destination: string, flags: string[] = []) =>
    run('skopeo', [
      'sync',
      '--src',
      'dir',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      ...flags,
      folder,
      destination,
    ]);

  test('skopeo-written dir: folders go to a registry with the names and digests skopeo gives them', async () => {
    await skopeoFromDir(plain, `${target.host}/skplain`);
    const out = await ok(['sync', '-q', '--src', 'dir', plain, `${target.host}/ocplain`]);
    assert.equal(out.split('\n').length, 3, out);
    const fromOcikit = await registryImages(target.host, 'ocplain');
    assert.deepEqual(fromOcikit, await registryImages(target.host, 'skplain'));
    assert.deepEqual(fromOcikit, expectedImages(source, { tools: ['v1.0', 'v2.3.4', 'keep-a'] }));
  });

  test('--scoped keeps the folder path below the source: a host:port path is no registry name, refused as skopeo refuses it', async () => {
    // skopeo fails at the first image; ocikit refuses before anything is written.
    await assert.rejects(
      skopeoFromDir(scoped, `${target.host}/skscoped`, ['--scoped']),
      /invalid reference format/,
    );
    const refused = await ocikit(['sync', '--src', 'dir', '--scoped', scoped, `${target.host}/ocscoped`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /INVALID_ARGUMENT: .*is not a valid image name/);
    assert.deepEqual(await registryImages(target.host, 'ocscoped'), {});
    // Into layouts the scoped path is a folder path: DST/HOST:PORT/tools.
    const out = join(dir, 'scoped-oci');
    await ok(['sync', '-q', '--src', 'dir', '--scoped', '--dest', 'oci', scoped, out]);
    assert.equal(
      await ok(['digest', `oci:${join(out, source.registry.host, 'tools')}:v1.0`]),
      expectedImages(source, { tools: ['v1.0'] })['tools:v1.0'],
    );
  });

  test('a single image folder given itself is named by its own folder name', async () => {
    const one = join(plain, 'tools:v2.3.4');
    await skopeoFromDir(one, `${target.host}/skone`);
    await ok(['sync', '-q', '--src', 'dir', one, `${target.host}/ocone`]);
    assert.deepEqual(await registryImages(target.host, 'ocone'), await registryImages(target.host, 'skone'));
    assert.deepEqual(
      await registryImages(target.host, 'ocone'),
      expectedImages(source, { tools: ['v2.3.4'] }),
    );
  });

  test('OCI layouts written by sync --dest oci go back to a registry, every tag, digests kept', async () => {
    const layouts = join(dir, 'layouts');
    await ok(['sync', '-q', '--dest', 'oci', `${source.registry.host}/app`, layouts]);
    await ok(['sync', '-q', '--dest', 'oci', `${source.registry.host}/tools`, layouts]);
    await ok(['sync', '-q', '--src', 'dir', layouts, `${target.host}/fromoci`]);
    assert.deepEqual(
      await registryImages(target.host, 'fromoci'),
      expectedImages(source, {
        app: ['1.0.0', '1.2.0', '2.0.0', '2.1.0-rc.1', 'latest', 'dev'],
        tools: ['v1.0', 'v2.3.4', 'keep-a'],
      }),
    );
    // A re-run finds every image at the destination and copies none.
    const again = await ocikit(['sync', '--src', 'dir', layouts, `${target.host}/fromoci`]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /synced 9 images: 0 copied, 9 unchanged/);
  });

  test('dir: folders to OCI layouts: one layout per repository, tags as ref names', async () => {
    const out = join(dir, 'dir-to-oci');
    await ok(['sync', '-q', '--src', 'dir', '--dest', 'oci', plain, out]);
    for (const tag of ['v1.0', 'v2.3.4', 'keep-a']) {
      assert.equal(
        await ok(['digest', `oci:${join(out, 'tools')}:${tag}`]),
        expectedImages(source, { tools: [tag] })[`tools:${tag}`],
      );
    }
  });

  test('a folder without images, and two images landing on one name, are refused with nothing written', async () => {
    const empty = join(dir, 'empty');
    await mkdir(join(empty, 'sub'), { recursive: true });
    const none = await ocikit(['sync', '--src', 'dir', empty, `${target.host}/none`]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no images to sync found/);

    // Both scoped trees hold tools:v1.0; without --scoped they would land on one destination.
    const both = join(dir, 'both');
    await mkdir(both);
    await run('cp', ['-a', plain, join(both, 'a')]);
    await run('cp', ['-a', plain, join(both, 'b')]);
    const clash = await ocikit(['sync', '--src', 'dir', both, `${target.host}/clash`]);
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /would both be written to .*tools:/);
    assert.deepEqual(await registryImages(target.host, 'clash'), {});
    await ok(['sync', '-q', '--src', 'dir', '--scoped', both, `${target.host}/clash`]);
    assert.equal(Object.keys(await registryImages(target.host, 'clash')).length, 6);
  });
});
