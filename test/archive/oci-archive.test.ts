import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { ociArchiveSink, ociArchiveSource } from '../../src/transports/archive/index.ts';
import {
  buildLayout,
  copyOne,
  drain,
  exec,
  type Fixture,
  readLayoutImage,
  scratch,
  sha256,
  tarNames,
} from './helpers.ts';

describe('oci-archive', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let fixture: Fixture;
  let layout: string;

  before(async () => {
    ({ dir, cleanup } = await scratch());
    layout = join(dir, 'src');
    fixture = await buildLayout(layout, 'v1', [
      { files: { 'etc/hello': 'hello\n', 'bin/tool': 'x'.repeat(5000) }, compression: 'gzip' },
      { files: { 'etc/second': 'second\n' }, compression: 'gzip' },
    ]);
  });
  after(() => cleanup());

  test('an archive written by skopeo is read with the same manifest digest and verified blobs', async () => {
    const archive = join(dir, 'by-skopeo.tar');
    await exec('skopeo', ['copy', '-q', `oci:${layout}:v1`, `oci-archive:${archive}:v1`]);
    const source = await ociArchiveSource(`oci-archive:${archive}:v1`);
    try {
      const top = await source.resolve();
      assert.equal(top.digest, fixture.manifestDigest);
      const doc = await source.manifest(top);
      assert.equal(doc.kind, 'manifest');
      assert.ok(doc.kind === 'manifest');
      assert.equal(doc.value.config.digest, fixture.configDigest);
      for (const [i, layer] of doc.value.layers.entries()) {
        const bytes = await drain(await source.blob(layer));
        assert.equal(sha256(bytes), fixture.layerDigests[i]);
      }
    } finally {
      await source.close();
    }
  });

  test('an archive without REF resolves its only image; a wrong REF is NOT_FOUND', async () => {
    const archive = join(dir, 'by-skopeo.tar');
    const source = await ociArchiveSource(`oci-archive:${archive}`);
    assert.equal((await source.resolve()).digest, fixture.manifestDigest);
    const named = await ociArchiveSource(`oci-archive:${archive}:nope`);
    await assert.rejects(named.resolve(), (err) => isOciError(err, 'NOT_FOUND'));
  });

  test('an archive written by ocikit is read by skopeo with an identical manifest digest', async () => {
    const input = join(dir, 'input.tar');
    await exec('tar', ['-cf', input, '-C', layout, '.']);
    const source = await ociArchiveSource(`oci-archive:${input}:v1`);
    const archive = join(dir, 'by-ocikit.tar');
    const sink = await ociArchiveSink(`oci-archive:${archive}:v2`);
    try {
      const result = await copyOne(source, sink);
      assert.equal(result.digest, fixture.manifestDigest);
      assert.equal(result.reference, `oci-archive:${archive}:v2`);
    } finally {
      await sink.close();
      await source.close();
    }
    const names = await tarNames(archive);
    assert.deepEqual(names.slice(0, 4), ['oci-layout', 'index.json', 'blobs/', 'blobs/sha256/']);
    const blobNames = names.slice(4);
    assert.deepEqual(blobNames, [...blobNames].sort());
    assert.equal(blobNames.length, 4);

    const inspected = JSON.parse(
      await exec('skopeo', ['inspect', '--raw', `oci-archive:${archive}:v2`]),
    ) as unknown;
    assert.deepEqual(inspected, JSON.parse(fixture.manifestBytes.toString('utf8')));
    const copied = join(dir, 'copied');
    await exec('skopeo', ['copy', '-q', `oci-archive:${archive}:v2`, `oci:${copied}:t`]);
    const image = await readLayoutImage(copied, 't');
    assert.equal(image.manifestDigest, fixture.manifestDigest);
    assert.equal(image.configDigest, fixture.configDigest);
    assert.deepEqual(image.config.rootfs.diff_ids, fixture.diffIds);
  });

  test('writing is deterministic: the same image gives byte-identical archives, whenever written', async () => {
    const input = join(dir, 'input.tar');
    const outputs: Buffer[] = [];
    for (const name of ['det-a.tar', 'det-b.tar']) {
      const source = await ociArchiveSource(`oci-archive:${input}:v1`);
      const sink = await ociArchiveSink(`oci-archive:${join(dir, name)}:v1`);
      await copyOne(source, sink);
      await sink.close();
      outputs.push(await readFile(join(dir, name)));
    }
    assert.ok(outputs[0]?.equals(outputs[1] as Buffer));
    // Two writes within a second agree even with the clock in the headers: every entry must carry
    // the fixed time (the epoch) and owner 0:0, as GNU tar reads them.
    const listing = await exec('tar', [
      '--list',
      '--verbose',
      '--full-time',
      '--numeric-owner',
      '--utc',
      '-f',
      join(dir, 'det-a.tar'),
    ]);
    const entries = listing.trim().split('\n');
    assert.equal(entries.length, 8, listing);
    for (const line of entries) assert.match(line, /^\S+ 0\/0 +\d+ 1970-01-01 00:00:00 /, line);
  });

  test('a sink closed without commit leaves no file', async () => {
    const input = join(dir, 'input.tar');
    const source = await ociArchiveSource(`oci-archive:${input}:v1`);
    const target = join(dir, 'never.tar');
    const sink = await ociArchiveSink(`oci-archive:${target}`);
    const doc = await source.manifest(await source.resolve());
    assert.ok(doc.kind === 'manifest');
    await sink.putBlob(doc.value.config, await source.blob(doc.value.config));
    await sink.close();
    await sink.close();
    await assert.rejects(readFile(target), { code: 'ENOENT' });
  });

  test('commit refuses an image whose blobs were not written', async () => {
    const input = join(dir, 'input.tar');
    const source = await ociArchiveSource(`oci-archive:${input}:v1`);
    const target = join(dir, 'incomplete.tar');
    const sink = await ociArchiveSink(`oci-archive:${target}`);
    const doc = await source.manifest(await source.resolve());
    await assert.rejects(sink.commit(doc), (err) => isOciError(err, 'NOT_FOUND'));
    await sink.close();
    await assert.rejects(readFile(target), { code: 'ENOENT' });
  });

  test('a blob whose bytes differ from its name fails with DIGEST_MISMATCH when read', async () => {
    const bad = join(dir, 'bad-blob');
    const fx = await buildLayout(bad, 'v1', [{ files: { a: 'a' }, compression: 'none' }]);
    await writeFile(join(bad, 'blobs', 'sha256', fx.layerDigests[0]?.slice(7) as string), 'tampered');
    const archive = join(dir, 'bad-blob.tar');
    await exec('tar', ['-cf', archive, '-C', bad, '.']);
    const source = await ociArchiveSource(`oci-archive:${archive}`);
    const doc = await source.manifest(await source.resolve());
    assert.ok(doc.kind === 'manifest');
    await assert.rejects(
      drain(await source.blob(doc.value.layers[0] as never)),
      (err) => isOciError(err, 'SIZE_MISMATCH') || isOciError(err, 'DIGEST_MISMATCH'),
    );
  });
});
