import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  dockerArchiveSink,
  dockerArchiveSource,
  ociArchiveSink,
  ociArchiveSource,
} from '../../src/transports/archive/index.ts';
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

interface SkopeoInspect {
  Digest: string;
  Layers: string[];
  RepoTags: string[];
}

describe('docker-archive interoperability', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let fixture: Fixture;
  let layout: string;
  let input: string;

  before(async () => {
    ({ dir, cleanup } = await scratch());
    layout = join(dir, 'src');
    fixture = await buildLayout(layout, 'v1', [
      { files: { 'etc/hello': 'hello\n', 'bin/tool': 'y'.repeat(70_000) }, compression: 'gzip' },
      { files: { 'etc/plain': 'plain\n' }, compression: 'none' },
      { files: { 'etc/zstd': 'zstd\n' }, compression: 'zstd' },
    ]);
    input = join(dir, 'input.tar');
    await exec('tar', ['-cf', input, '-C', layout, '.']);
  });
  after(() => cleanup());

  test('an archive written by ocikit is read by skopeo: same config and DiffIDs, same manifest digest', async () => {
    const archive = join(dir, 'by-ocikit.tar');
    const source = await ociArchiveSource(`oci-archive:${input}:v1`);
    const sink = await dockerArchiveSink(`docker-archive:${archive}:example.com/team/app:1.0`);
    let written: { digest: string };
    try {
      written = await copyOne(source, sink);
    } finally {
      await sink.close();
    }
    const names = await tarNames(archive);
    assert.deepEqual(names, [
      `${fixture.configDigest.slice(7)}.json`,
      ...fixture.diffIds.map((d) => `${d.slice(7)}.tar`),
      'manifest.json',
      'repositories',
    ]);

    const saved = JSON.parse(await exec('tar', ['-xOf', archive, 'manifest.json'])) as unknown;
    assert.deepEqual(saved, [
      {
        Config: `${fixture.configDigest.slice(7)}.json`,
        RepoTags: ['example.com/team/app:1.0'],
        Layers: fixture.diffIds.map((d) => `${d.slice(7)}.tar`),
      },
    ]);
    const inspect = JSON.parse(
      await exec('skopeo', ['inspect', `docker-archive:${archive}`]),
    ) as SkopeoInspect;
    assert.deepEqual(inspect.Layers, fixture.diffIds);
    // skopeo labels every docker-archive layer .tar.gzip; ocikit labels by the sniffed bytes
    // (plain tar here). Apart from that, the synthesised manifest bytes are the same.
    const raw = await exec('skopeo', ['inspect', '--raw', `docker-archive:${archive}`]);
    assert.equal(sha256(raw.trim().replaceAll('rootfs.diff.tar.gzip', 'rootfs.diff.tar')), written.digest);

    const copied = join(dir, 'from-ocikit');
    await exec('skopeo', ['copy', '-q', `docker-archive:${archive}`, `oci:${copied}:t`]);
    const image = await readLayoutImage(copied, 't');
    assert.equal(image.configDigest, fixture.configDigest);
    assert.deepEqual(image.config.rootfs.diff_ids, fixture.diffIds);

    // ocikit reads back what it wrote, reporting the digest its sink returned.
    const back = await dockerArchiveSource(`docker-archive:${archive}:example.com/team/app:1.0`);
    assert.equal((await back.resolve()).digest, written.digest);
  });

  test('an archive written by skopeo is read by ocikit: same config digest, same DiffIDs, verified layers', async () => {
    // skopeo cannot put zstd layers in a docker archive: give it gzip and plain layers only.
    const gzipOnly = join(dir, 'src-gzip');
    const fixture = await buildLayout(gzipOnly, 'v1', [
      { files: { 'etc/hello': 'hello\n', 'bin/tool': 'z'.repeat(70_000) }, compression: 'gzip' },
      { files: { 'etc/plain': 'plain\n' }, compression: 'none' },
    ]);
    const archive = join(dir, 'by-skopeo.tar');
    await exec('skopeo', ['copy', '-q', `oci:${gzipOnly}:v1`, `docker-archive:${archive}:busybox:latest`]);
    const inspect = JSON.parse(
      await exec('skopeo', ['inspect', `docker-archive:${archive}`]),
    ) as SkopeoInspect;
    for (const ref of [
      `docker-archive:${archive}:docker.io/library/busybox:latest`,
      `docker-archive:${archive}:busybox`,
      `docker-archive:${archive}`,
    ]) {
      const source = await dockerArchiveSource(ref);
      const top = await source.resolve();
      assert.equal(top.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
      assert.deepEqual(inspect.Layers, fixture.diffIds);
      const doc = await source.manifest(top);
      assert.ok(doc.kind === 'manifest');
      assert.equal(doc.value.config.digest, fixture.configDigest);
      assert.equal(doc.value.config.mediaType, 'application/vnd.docker.container.image.v1+json');
      assert.deepEqual(
        doc.value.layers.map((l) => l.digest),
        fixture.diffIds,
      );
      for (const [i, layer] of doc.value.layers.entries()) {
        assert.equal(layer.mediaType, 'application/vnd.docker.image.rootfs.diff.tar');
        assert.ok((await drain(await source.blob(layer))).equals(fixture.layerTars[i] as Buffer));
      }
      const config = await drain(await source.blob(doc.value.config));
      assert.equal(sha256(config), fixture.configDigest);
      await source.close();
    }
  });

  test('a name the archive does not hold is NOT_FOUND', async () => {
    const archive = join(dir, 'by-skopeo.tar');
    await assert.rejects(dockerArchiveSource(`docker-archive:${archive}:busybox:other`), {
      code: 'NOT_FOUND',
    });
  });

  test('copying an ocikit docker archive to an OCI archive and back keeps the image', async () => {
    const archive = join(dir, 'by-ocikit.tar');
    const source = await dockerArchiveSource(`docker-archive:${archive}`);
    const oci = join(dir, 'again.tar');
    const sink = await ociArchiveSink(`oci-archive:${oci}:x`);
    const result = await copyOne(source, sink);
    await sink.close();
    // skopeo 1.9 only looks at OCI-typed index entries, so read the Docker-typed one back with ocikit.
    const back = await ociArchiveSource(`oci-archive:${oci}:x`);
    const top = await back.resolve();
    assert.equal(top.digest, result.digest);
    assert.equal(top.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    const doc = await back.manifest(top);
    assert.ok(doc.kind === 'manifest');
    assert.deepEqual(
      doc.value.layers.map((l) => l.digest),
      fixture.diffIds,
    );
    for (const layer of doc.value.layers) await drain(await back.blob(layer));
  });

  test('the copy engine writes through the archive sinks, with progress events, and converts to OCI for skopeo', async () => {
    const { copyImage } = await import('../../src/copy/index.ts');
    const archive = join(dir, 'engine.tar');
    const source = await ociArchiveSource(`oci-archive:${input}:v1`);
    const sink = await dockerArchiveSink(`docker-archive:${archive}:engine:1`);
    const states = new Set<string>();
    const result = await copyImage(source, sink, { onProgress: (e) => states.add(e.state) });
    await sink.close();
    assert.ok(states.has('progress') && states.has('done'));
    const back = await dockerArchiveSource(`docker-archive:${archive}:engine:1`);
    assert.equal((await back.resolve()).digest, result.digest);

    const oci = join(dir, 'engine-oci.tar');
    const ociSink = await ociArchiveSink(`oci-archive:${oci}:converted`);
    const converted = await copyImage(back, ociSink, { format: 'oci' });
    await ociSink.close();
    const inspect = JSON.parse(
      await exec('skopeo', ['inspect', `oci-archive:${oci}:converted`]),
    ) as SkopeoInspect;
    assert.equal(inspect.Digest, converted.digest);
    assert.deepEqual(inspect.Layers, fixture.diffIds);
  });

  test('a layer used twice is stored once and listed twice; skopeo reads it', async () => {
    const dup = join(dir, 'dup');
    const spec = { files: { 'etc/same': 'same\n' }, compression: 'gzip' as const };
    const fx = await buildLayout(dup, 'v1', [
      spec,
      { files: { 'etc/mid': 'mid\n' }, compression: 'gzip' },
      spec,
    ]);
    const dupTar = join(dir, 'dup-in.tar');
    await exec('tar', ['-cf', dupTar, '-C', dup, '.']);
    const archive = join(dir, 'dup-out.tar');
    const source = await ociArchiveSource(`oci-archive:${dupTar}`);
    const sink = await dockerArchiveSink(`docker-archive:${archive}`);
    await copyOne(source, sink);
    await sink.close();
    assert.equal((await tarNames(archive)).filter((n) => n.endsWith('.tar')).length, 2);
    const inspect = JSON.parse(
      await exec('skopeo', ['inspect', `docker-archive:${archive}`]),
    ) as SkopeoInspect;
    assert.deepEqual(inspect.Layers, fx.diffIds);
    assert.equal(inspect.Layers[0], inspect.Layers[2]);
  });

  test('a failed or abandoned write leaves nothing in the scratch directory or at the target', async () => {
    const { mkdir, readdir } = await import('node:fs/promises');
    const { Readable } = await import('node:stream');
    const scratchDir = join(dir, 'scratch');
    await mkdir(scratchDir);
    const target = join(dir, 'abandoned.tar');
    const sink = await dockerArchiveSink(`docker-archive:${target}`, { scratchDir });
    const layer = fixture.layerTars[1] as Buffer;
    const lie = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest: sha256('other'),
      size: layer.length,
    };
    await assert.rejects(sink.putBlob(lie, Readable.from([layer])), { code: 'DIGEST_MISMATCH' });
    assert.equal(await sink.hasBlob(lie), false);
    const config = {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: fixture.configDigest,
      size: fixture.configBytes.length,
    };
    await sink.putBlob(config, Readable.from([fixture.configBytes]));
    assert.equal(await sink.hasBlob(config), true);
    await sink.close();
    assert.deepEqual(await readdir(scratchDir), []);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.includes('abandoned')),
      [],
    );
  });
});
