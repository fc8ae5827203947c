/** fsck on layouts built by umoci: clean passes; each kind of damage is reported with its digest and path. */
import assert from 'node:assert/strict';
import { readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OCI } from '../../src/spec/index.ts';
import { type FsckProblem, type OciLayout, openLayout } from '../../src/store/index.ts';
import { scratch, umociImage } from '../helpers/peers-layout.ts';

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await scratch('fsck')));
after(() => cleanup());

async function umociLayout(name: string): Promise<OciLayout> {
  const root = join(dir, name);
  await umociImage(root, 'app', {
    '/etc/one.txt': 'one\n',
    '/etc/two.txt': 'two\n',
    '/etc/three.txt': 'three\n',
  });
  await umociImage(root, 'base');
  return openLayout(root);
}

function summary(problems: FsckProblem[]): Array<[string, string, string]> {
  return problems.map((p) => [p.kind, p.path, p.digest]);
}

test('fsck passes on a clean umoci layout and hashes every reachable blob', async () => {
  const layout = await umociLayout('clean');
  const report = await layout.fsck();
  assert.deepEqual(report.problems, []);
  assert.equal(report.ok, true);
  // app: manifest, config, 3 layers; base: manifest and config.
  assert.equal(report.checked, 7);
});

test('fsck names a corrupted, a truncated and a missing blob, and a bad document', async () => {
  const layout = await umociLayout('damaged');
  const app = await layout.resolve('app');
  const manifest = await layout.readDocument(app);
  assert.equal(manifest.kind, 'manifest');
  if (manifest.kind !== 'manifest') return;
  const [layer0, layer1, layer2] = manifest.value.layers;
  const config = manifest.value.config;
  assert.ok(layer0 && layer1 && layer2);

  const corrupted = await readFile(layout.blobPath(layer0.digest));
  const middle = corrupted.length >> 1;
  corrupted[middle] = (corrupted[middle] ?? 0) ^ 0xff;
  await writeFile(layout.blobPath(layer0.digest), corrupted);
  await truncate(layout.blobPath(config.digest), config.size - 5);
  await rm(layout.blobPath(layer2.digest));
  // A blob whose digest is right but which is no manifest: layers must be an array (manifest.md).
  const bad = await layout.putBytes(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.manifest, config, layers: 'none' })),
  );
  await layout.tag('bad', { mediaType: OCI.manifest, ...bad });

  const report = await layout.fsck();
  assert.equal(report.ok, false);
  const appIndex = (await layout.listTags()).indexOf('app');
  const badIndex = (await layout.listTags()).indexOf('bad');
  assert.deepEqual(summary(report.problems), [
    ['size-mismatch', `manifests[${appIndex}] → config`, config.digest],
    ['digest-mismatch', `manifests[${appIndex}] → layers[0]`, layer0.digest],
    ['missing', `manifests[${appIndex}] → layers[2]`, layer2.digest],
    ['invalid-document', `manifests[${badIndex}]`, bad.digest],
  ]);
  const invalid = report.problems.find((p) => p.kind === 'invalid-document');
  assert.match(invalid?.message ?? '', /layers/);
});

test('fsck reports an unsupported digest algorithm without touching the filesystem for it', async () => {
  const layout = await umociLayout('unsupported');
  await layout.updateIndex((index) => {
    index.manifests.push({ mediaType: OCI.manifest, digest: `blake3:${'a'.repeat(64)}` as never, size: 1 });
    return index;
  });
  const report = await layout.fsck();
  assert.deepEqual(
    report.problems.map((p) => p.kind),
    ['unsupported-digest'],
  );
});
