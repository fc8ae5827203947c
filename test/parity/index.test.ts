/**
 * `ocikit index create|append|remove|filter` (crane index): indexes built from images, with each
 * child's platform and the annotations asked for, edited child by child, written to a layout and
 * to the real registry; the children still unpack (umoci) to what their images hold.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';
import { type UmociImage, umociRepackImage, umociUnpack } from '../helpers/umoci-image.ts';
import { type IndexJson, readJsonBlob, taggedDescriptor, validateIndex } from './fixtures.ts';

async function ok(args: string[]): Promise<string> {
  const r = await ocikit(args);
  assert.equal(r.code, 0, `ocikit ${args.join(' ')}: ${r.stderr}`);
  return r.out;
}

function platforms(index: IndexJson): string[] {
  return index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`);
}

describe('index editing', () => {
  const makeDir = suiteScratch(after, 'ocikit-index-');
  let dir: string;
  let layout: string;
  let app: UmociImage;
  let registry: RunningRegistry;
  const indexAt = (tag: string) => readJsonBlob<IndexJson>(layout, taggedDescriptor(layout, tag).digest);

  before(async () => {
    dir = await makeDir();
    layout = join(dir, 'out');
    app = await umociRepackImage(join(dir, 'app'), [
      (r) => {
        mkdirSync(`${r}/srv`);
        writeFileSync(`${r}/srv/index.html`, 'hello');
      },
    ]);
    await ok(['mutate', app.name, '--set-platform', 'linux/arm64', '-t', `oci:${layout}:arm`]);
    await ok(['mutate', app.name, '--set-platform', 'linux/s390x', '-t', `oci:${layout}:s390x`]);
    registry = await startRegistry();
  });
  after(() => registry?.stop());

  test('create: one child per image, with its platform, and the annotations', async () => {
    await ok([
      'index',
      'create',
      '-m',
      app.name,
      '-m',
      `oci:${layout}:arm`,
      '-m',
      `oci:${layout}:s390x`,
      '--annotation',
      'org.opencontainers.image.description=three platforms',
      '-t',
      `oci:${layout}:all`,
    ]);
    const index = indexAt('all');
    assert.equal(index.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(platforms(index), ['linux/amd64', 'linux/arm64', 'linux/s390x']);
    assert.equal(index.annotations?.['org.opencontainers.image.description'], 'three platforms');
    assert.equal(index.manifests[1]?.digest, taggedDescriptor(layout, 'arm').digest);
    await validateIndex(layout, 'all');
  });

  test('filter keeps only the platforms asked for; remove drops children; append adds them', async () => {
    await ok([
      'index',
      'filter',
      `oci:${layout}:all`,
      '--platform',
      'linux/arm64,linux/s390x',
      '-t',
      `oci:${layout}:two`,
    ]);
    assert.deepEqual(platforms(indexAt('two')), ['linux/arm64', 'linux/s390x']);
    assert.equal(indexAt('two').annotations?.['org.opencontainers.image.description'], 'three platforms');

    const s390x = taggedDescriptor(layout, 's390x').digest;
    await ok(['index', 'remove', `oci:${layout}:two`, '--digest', s390x, '-t', `oci:${layout}:one`]);
    assert.deepEqual(platforms(indexAt('one')), ['linux/arm64']);
    await ok([
      'index',
      'remove',
      `oci:${layout}:all`,
      '--platform',
      'linux/amd64',
      '-t',
      `oci:${layout}:no-amd`,
    ]);
    assert.deepEqual(platforms(indexAt('no-amd')), ['linux/arm64', 'linux/s390x']);

    await ok([
      'index',
      'append',
      `oci:${layout}:one`,
      '-m',
      app.name,
      '--annotation',
      'org.example=appended',
      '-t',
      `oci:${layout}:again`,
    ]);
    const again = indexAt('again');
    assert.deepEqual(platforms(again), ['linux/arm64', 'linux/amd64']);
    assert.equal(again.annotations?.['org.example'], 'appended');
    await validateIndex(layout, 'again');
  });

  test('edits that would leave nothing, or that name no child, are refused', async () => {
    const none = await ocikit([
      'index',
      'filter',
      `oci:${layout}:all`,
      '--platform',
      'windows/amd64',
      '-t',
      `oci:${layout}:x`,
    ]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /NO_MATCHING_PLATFORM/);
    const absent = await ocikit([
      'index',
      'remove',
      `oci:${layout}:all`,
      '--digest',
      `sha256:${'0'.repeat(64)}`,
      '-t',
      `oci:${layout}:x`,
    ]);
    assert.equal(absent.code, 1);
    assert.match(absent.stderr, /NOT_FOUND/);
    const notIndex = await ocikit(['index', 'append', app.name, '-m', app.name, '-t', `oci:${layout}:x`]);
    assert.equal(notIndex.code, 1);
    assert.match(notIndex.stderr, /INVALID_ARGUMENT: .*not an index/);
    assert.throws(() => taggedDescriptor(layout, 'x'), 'nothing was written');
  });

  test('an index from images in different places, written to the registry, unpacks per platform', async () => {
    const pushedApp = `${registry.host}/parity/app:1`;
    await ok(['copy', '-q', app.name, pushedApp]);
    const target = `${registry.host}/parity/multi:1`;
    await ok(['index', 'create', '-m', pushedApp, '-m', `oci:${layout}:arm`, '-t', target]);
    const inspected = JSON.parse(await ok(['inspect', '--raw', target])) as IndexJson;
    assert.deepEqual(platforms(inspected), ['linux/amd64', 'linux/arm64']);
    await ok(['copy', '--platform', 'linux/arm64', target, `oci:${layout}:pulled-arm`]);
    assert.deepEqual(
      snapshotTree(await umociUnpack(layout, 'pulled-arm', join(dir, 'arm-bundle'))),
      snapshotTree(await umociUnpack(app.layout, app.tag, join(dir, 'app-bundle'))),
    );
    assert.equal((await ocikit(['validate', target])).code, 0);
  });
});
