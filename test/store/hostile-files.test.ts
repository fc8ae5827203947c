/**
 * Hostile layout entries: blobs, blob folders, index.json and the lock file replaced by symlinks,
 * folders or FIFOs. None is followed, opened or deleted through; each is a typed OciError or an
 * fsck problem. A file outside the layout proves nothing leaks out and nothing is changed there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { OCI } from '../../src/spec/index.ts';
import { INDEX_LOCK_FILE, initLayout, type OciLayout, openLayout } from '../../src/store/index.ts';
import { scratch } from '../helpers/tmp.ts';

const OUTSIDE = 'outside the layout: must not be read, written or removed\n';

function mkfifo(path: string): void {
  const result = spawnSync('mkfifo', [path]);
  assert.equal(result.status, 0, `mkfifo failed: ${result.stderr}`);
}

/** A layout with one stored blob, and a file outside it. */
async function setup(t: Parameters<typeof scratch>[0]) {
  const dir = await scratch(t, 'ocikit-store-hostile-');
  const outside = join(dir, 'outside.txt');
  await writeFile(outside, OUTSIDE);
  const layout = await initLayout(join(dir, 'layout'));
  const bytes = Buffer.from('stored blob\n');
  const blob = await layout.putBytes(bytes);
  return { dir, outside, layout, bytes, blob };
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const invalidLayout = (e: unknown) => isOciError(e, 'INVALID_LAYOUT');

test('a blob that is a symlink is refused by get and readBytes even when its target has the right bytes', async (t) => {
  const { dir, layout, bytes, blob } = await setup(t);
  const twin = join(dir, 'twin');
  await writeFile(twin, bytes);
  await rm(layout.blobPath(blob.digest));
  await symlink(twin, layout.blobPath(blob.digest));
  await assert.rejects(layout.get(blob), invalidLayout);
  await assert.rejects(layout.readBytes(blob), invalidLayout);
  assert.equal(await layout.stat(blob.digest), undefined, 'a symlinked blob counts as absent');
});

test('get fails with SIZE_MISMATCH before streaming a byte when the file size differs from the descriptor', async (t) => {
  const { layout, blob } = await setup(t);
  await assert.rejects(layout.get({ ...blob, size: blob.size + 1 }), (e: unknown) =>
    isOciError(e, 'SIZE_MISMATCH'),
  );
  await assert.rejects(layout.get({ ...blob, size: blob.size - 1 }), (e: unknown) =>
    isOciError(e, 'SIZE_MISMATCH'),
  );
  assert.deepEqual(await drain(await layout.get(blob)), await readFile(layout.blobPath(blob.digest)));
});

test('get and readBytes refuse a folder or a FIFO planted as a blob with INVALID_LAYOUT', async (t) => {
  const { layout } = await setup(t);
  const empty = digestBytes('');
  const descriptor = { mediaType: OCI.manifest, digest: empty, size: 0 };
  mkfifo(layout.blobPath(empty));
  await assert.rejects(layout.get(descriptor), invalidLayout);
  await assert.rejects(layout.readDocument(descriptor), invalidLayout);
  await rm(layout.blobPath(empty));
  await mkdir(layout.blobPath(empty));
  await assert.rejects(layout.get(descriptor), invalidLayout);
  await assert.rejects(layout.readBytes(descriptor), invalidLayout);
});

test('fsck reports symlinked, folder, FIFO and resized blobs as problems without throwing', async (t) => {
  const { dir, layout } = await setup(t);
  const config = await layout.putBytes(
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    ),
  );
  const layers = await Promise.all(
    ['a', 'b', 'c', 'd'].map((s) => layout.putBytes(Buffer.from(`layer ${s}\n`))),
  );
  const manifest = await layout.putBytes(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI.manifest,
        config: { mediaType: OCI.config, ...config },
        layers: layers.map((l) => ({ mediaType: OCI.layer, ...l })),
      }),
    ),
  );
  await layout.tag('app', { mediaType: OCI.manifest, ...manifest });
  const [symlinked, folder, fifo, resized] = layers.map((l) => layout.blobPath(l.digest)) as [
    string,
    string,
    string,
    string,
  ];
  await rm(symlinked);
  await symlink('/dev/zero', symlinked);
  await rm(folder);
  await mkdir(folder);
  await rm(fifo);
  mkfifo(fifo);
  await writeFile(resized, 'layer d, grown\n');
  await writeFile(join(dir, 'unused'), '');

  const report = await layout.fsck();
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.problems.map((p) => [p.kind, p.path]),
    [
      ['not-a-file', 'manifests[0] → layers[0]'],
      ['not-a-file', 'manifests[0] → layers[1]'],
      ['not-a-file', 'manifests[0] → layers[2]'],
      ['size-mismatch', 'manifests[0] → layers[3]'],
    ],
  );
  assert.match(report.problems[0]?.message ?? '', /symbolic link/);
  assert.match(report.problems[2]?.message ?? '', /FIFO/);
});

test('a symlinked blobs/sha256 folder: reads, ingest, delete, walk and gc refuse it and touch nothing outside', async (t) => {
  const { dir, outside, layout, blob } = await setup(t);
  const elsewhere = join(dir, 'elsewhere');
  await mkdir(elsewhere);
  const own = join(layout.root, 'blobs', 'sha256');
  for (const name of await readdir(own)) await rename(join(own, name), join(elsewhere, name));
  const victimName = digestBytes(OUTSIDE).slice('sha256:'.length);
  await writeFile(join(elsewhere, victimName), OUTSIDE);
  await rm(own, { recursive: true });
  await symlink(elsewhere, own);

  await assert.rejects(layout.get(blob), invalidLayout);
  await assert.rejects(layout.readBytes(blob), invalidLayout);
  await assert.rejects(layout.stat(blob.digest), invalidLayout);
  await assert.rejects(layout.delete(`sha256:${victimName}`), invalidLayout);
  await assert.rejects(layout.putBytes(Buffer.from('new blob\n')), invalidLayout);
  await assert.rejects(
    (async () => {
      for await (const _ of layout.walk());
    })(),
    invalidLayout,
  );
  await assert.rejects(layout.gc(), invalidLayout);
  const report = await layout.fsck();
  assert.equal(report.ok, true, 'nothing is reachable from the empty index.json');

  assert.equal(await readFile(join(elsewhere, victimName), 'utf8'), OUTSIDE);
  assert.equal(await readFile(outside, 'utf8'), OUTSIDE);
  assert.deepEqual((await readdir(elsewhere)).sort(), [blob.digest.slice(7), victimName].sort());
});

test('a symlinked blobs folder makes a tagged image an fsck problem, not a thrown error', async (t) => {
  const { dir, layout, blob } = await setup(t);
  await layout.tag('x', { mediaType: 'application/octet-stream', ...blob });
  const elsewhere = join(dir, 'elsewhere-blobs');
  await rename(join(layout.root, 'blobs'), elsewhere);
  await symlink(elsewhere, join(layout.root, 'blobs'));
  const report = await layout.fsck();
  assert.deepEqual(
    report.problems.map((p) => p.kind),
    ['not-a-file'],
  );
});

test('a symlinked ingest folder is refused, so no bytes are written outside the layout', async (t) => {
  const { dir, layout } = await setup(t);
  const elsewhere = join(dir, 'ingest-elsewhere');
  await mkdir(elsewhere);
  await rm(join(layout.root, '.ocikit-ingest'), { recursive: true, force: true });
  await symlink(elsewhere, join(layout.root, '.ocikit-ingest'));
  await assert.rejects(layout.ingest(Readable.from([Buffer.from('payload\n')])), invalidLayout);
  assert.deepEqual(await readdir(elsewhere), []);
});

test('gc skips a symlink planted as an unreachable blob and never removes its target', async (t) => {
  const { outside, layout } = await setup(t);
  const planted = layout.blobPath(digestBytes(OUTSIDE));
  await symlink(outside, planted);
  const report = await layout.gc();
  assert.equal(report.removed.length, 1, 'the untagged stored blob is collected');
  assert.equal(await readFile(outside, 'utf8'), OUTSIDE);
  assert.ok((await lstat(planted)).isSymbolicLink());
});

test('ingest replaces a symlink planted as the blob instead of writing through it', async (t) => {
  const { outside, layout } = await setup(t);
  const bytes = Buffer.from('genuine bytes\n');
  const digest = digestBytes(bytes);
  await symlink(outside, layout.blobPath(digest));
  assert.equal(await layout.has({ digest, size: bytes.length }), false);
  await layout.putBytes(bytes, digest);
  assert.ok((await lstat(layout.blobPath(digest))).isFile());
  assert.deepEqual(await layout.readBytes({ digest, size: bytes.length }), bytes);
  assert.equal(await readFile(outside, 'utf8'), OUTSIDE);
});

test('openLayout refuses an index.json or oci-layout that is a symlink, without following it', async (t) => {
  const { dir, layout } = await setup(t);
  const copy = join(dir, 'index-copy.json');
  await rename(join(layout.root, 'index.json'), copy);
  await symlink(copy, join(layout.root, 'index.json'));
  await assert.rejects(openLayout(layout.root), invalidLayout);
  await rm(join(layout.root, 'index.json'));
  await rename(copy, join(layout.root, 'index.json'));
  await openLayout(layout.root);
  await rename(join(layout.root, 'oci-layout'), join(dir, 'header'));
  await symlink(join(dir, 'header'), join(layout.root, 'oci-layout'));
  await assert.rejects(openLayout(layout.root), invalidLayout);
});

test('a FIFO planted as the index lock is never opened: the writer times out with LOCKED', {
  timeout: 30_000,
}, async (t) => {
  const { layout } = await setup(t);
  mkfifo(join(layout.root, INDEX_LOCK_FILE));
  // Were the FIFO opened for reading, this would block with no writer and the test would time out.
  await assert.rejects(
    (layout as OciLayout).withIndexLock(async () => undefined, { timeoutMs: 50 }),
    (e: unknown) => isOciError(e, 'LOCKED'),
  );
});

test('a folder planted as the index lock goes stale like any unreadable lock and is removed', async (t) => {
  const { layout } = await setup(t);
  const planted = join(layout.root, INDEX_LOCK_FILE);
  await mkdir(join(planted, 'inside'), { recursive: true });
  const old = new Date(Date.now() - 60_000);
  await utimes(planted, old, old);
  let ran = false;
  await (layout as OciLayout).withIndexLock(
    async () => {
      ran = true;
    },
    { timeoutMs: 5000 },
  );
  assert.ok(ran);
  const left = (await readdir(layout.root)).filter((name) => name.startsWith(INDEX_LOCK_FILE));
  assert.deepEqual(left, [], 'the planted folder (or its renamed grave) is left behind');
});
