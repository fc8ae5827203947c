/** gc on umoci-built layouts: unreachable blobs go, everything reachable (and unknown referenced blobs) stays. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { OCI } from '../../src/spec/index.ts';
import { openLayout } from '../../src/store/index.ts';
import { run, scratch, umociImage } from '../helpers/peers-layout.ts';

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await scratch('gc')));
after(() => cleanup());

async function digests(layout: Awaited<ReturnType<typeof openLayout>>): Promise<string[]> {
  return (await Array.fromAsync(layout.walk())).map((b) => b.digest).sort();
}

test('gc removes what umoci insert left unreachable and keeps every reachable blob', async () => {
  const root = join(dir, 'umoci');
  // Each insert rewrites the manifest and config, leaving the old ones unreachable.
  await umociImage(root, 'app', { '/a.txt': 'a\n', '/b.txt': 'b\n' });
  const layout = await openLayout(root);
  const before = await digests(layout);
  const sizes = new Map((await Array.fromAsync(layout.walk())).map((b) => [b.digest as string, b.size]));
  const orphan = await layout.putBytes(Buffer.from('nobody points here'));
  // A referenced blob of a media type we do not parse is kept, and not parsed.
  const note = await layout.putBytes(Buffer.from('<note>kept</note>'));
  await layout.tag('note', { mediaType: 'application/xml', ...note });

  const report = await layout.gc();
  assert.ok(report.removed.includes(orphan.digest));
  assert.equal(report.removed.length, 5, 'two stale manifests, two stale configs, the orphan');
  assert.equal(await layout.stat(orphan.digest), undefined);
  assert.equal(await layout.stat(note.digest), note.size);
  assert.equal((await layout.fsck()).ok, true);
  const after = await digests(layout);
  assert.equal(after.length, before.length + 2 - 5);
  sizes.set(orphan.digest, orphan.size);
  assert.equal(
    report.bytesFreed,
    report.removed.reduce((sum, d) => sum + (sizes.get(d) ?? Number.NaN), 0),
  );

  // umoci agrees the image is intact after our gc: it unpacks it.
  await run('umoci', ['unpack', '--rootless', '--image', `${root}:app`, join(dir, 'bundle')]);
  assert.equal((await layout.gc()).removed.length, 0, 'a second gc finds nothing');
});

test('gc follows indexes and subjects, and removes an image once untagged', async () => {
  const root = join(dir, 'graph');
  await umociImage(root, 'one');
  await umociImage(root, 'two', { '/x': 'x' });
  const layout = await openLayout(root);
  const one = await layout.resolve('one');
  const two = await layout.resolve('two');
  await layout.gc();
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.index,
      manifests: [{ ...one, annotations: undefined }],
    }),
  );
  const indexInfo = await layout.putBytes(index);
  await layout.tag('multi', { mediaType: OCI.index, ...indexInfo });
  // A referrer whose subject is image two: reachable only through its own tag.
  const empty = await layout.putBytes(Buffer.from('{}'));
  const referrer = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      artifactType: 'application/vnd.example',
      config: { mediaType: OCI.empty, ...empty },
      layers: [{ mediaType: OCI.empty, ...empty }],
      subject: { mediaType: OCI.manifest, digest: two.digest, size: two.size },
    }),
  );
  const referrerInfo = await layout.putBytes(referrer);
  await layout.tag('sig', { mediaType: OCI.manifest, ...referrerInfo });
  await layout.untag('one');
  await layout.untag('two');

  const kept = await layout.gc();
  assert.deepEqual(kept.removed, []);
  await layout.untag('sig');
  const dropped = await layout.gc();
  assert.ok(dropped.removed.includes(two.digest));
  assert.ok(dropped.removed.includes(referrerInfo.digest));
  assert.ok(!dropped.removed.includes(one.digest));
  assert.equal((await layout.fsck()).ok, true);
  assert.equal(await layout.stat(digestBytes('{}')), undefined);
});

test('gc --dry-run reports without removing', async () => {
  const root = join(dir, 'dry');
  await umociImage(root, 'app', { '/a': 'a' });
  const layout = await openLayout(root);
  const before = await digests(layout);
  const report = await layout.gc({ dryRun: true });
  assert.equal(report.removed.length, 2);
  assert.deepEqual(await digests(layout), before);
});
