import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  dockerArchiveSink,
  dockerArchiveSource,
  ociArchiveSource,
} from '../../src/transports/archive/index.ts';
import { copyOne, drain, exec, makeTar, readLayoutImage, scratch, sha256, type TarSpec } from './helpers.ts';

const ID1 = 'a'.repeat(64);
const ID2 = 'b'.repeat(64);
const ID3 = 'c'.repeat(64);

function config(diffIds: string[]): string {
  return JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
  });
}

describe('legacy docker save archives', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let layer: Buffer;
  let second: Buffer;

  before(async () => {
    ({ dir, cleanup } = await scratch());
    layer = await makeTar([{ name: 'etc/base', content: 'base\n' }]);
    second = await makeTar([{ name: 'etc/top', content: 'top\n' }]);
  });
  after(() => cleanup());

  async function archive(name: string, entries: TarSpec[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, await makeTar(entries));
    return path;
  }

  test('a duplicate layer stored as a symlink to ../<id>/layer.tar is read through the link', async () => {
    const cfg = config([sha256(layer), sha256(second), sha256(layer)]);
    const path = await archive('symlinked.tar', [
      { name: `${ID1}/`, type: 'directory' },
      { name: `${ID1}/VERSION`, content: '1.0' },
      { name: `${ID1}/layer.tar`, content: layer },
      { name: `${ID2}/layer.tar`, content: second },
      { name: `${ID3}/layer.tar`, type: 'symlink', linkname: `../${ID1}/layer.tar` },
      { name: `${sha256(cfg).slice(7)}.json`, content: cfg },
      {
        name: 'manifest.json',
        content: JSON.stringify([
          {
            Config: `${sha256(cfg).slice(7)}.json`,
            RepoTags: ['busybox:latest'],
            Layers: [`${ID1}/layer.tar`, `./${ID2}/layer.tar`, `${ID3}/layer.tar`],
          },
        ]),
      },
      { name: 'repositories', content: JSON.stringify({ busybox: { latest: ID3 } }) },
    ]);
    const source = await dockerArchiveSource(`docker-archive:${path}:docker.io/library/busybox:latest`);
    const doc = await source.manifest(await source.resolve());
    assert.ok(doc.kind === 'manifest');
    assert.deepEqual(
      doc.value.layers.map((l) => l.digest),
      [sha256(layer), sha256(second), sha256(layer)],
    );
    assert.ok((await drain(await source.blob(doc.value.layers[2] as never))).equals(layer));
    assert.equal(doc.value.config.digest, sha256(cfg));

    // skopeo reads the same archive to the same image.
    const copied = join(dir, 'symlinked-oci');
    await exec('skopeo', ['copy', '-q', `docker-archive:${path}`, `oci:${copied}:t`]);
    const image = await readLayoutImage(copied, 't');
    assert.equal(image.configDigest, sha256(cfg));
  });

  test('gzip layers are sniffed, described as .tar.gzip, and their DiffIDs checked', async () => {
    const gz = gzipSync(layer);
    const cfg = config([sha256(layer)]);
    const path = await archive('gzip.tar', [
      { name: `${ID1}/layer.tar`, content: gz },
      { name: 'config.json', content: cfg },
      {
        name: 'manifest.json',
        content: JSON.stringify([{ Config: 'config.json', RepoTags: null, Layers: [`${ID1}/layer.tar`] }]),
      },
    ]);
    const source = await dockerArchiveSource(`docker-archive:${path}`);
    const doc = await source.manifest(await source.resolve());
    assert.ok(doc.kind === 'manifest');
    assert.equal(doc.value.layers[0]?.mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    assert.equal(doc.value.layers[0]?.digest, sha256(gz));

    // Written back out, the layer is stored uncompressed under its DiffID.
    const out = join(dir, 'gzip-out.tar');
    const sink = await dockerArchiveSink(`docker-archive:${out}`);
    await copyOne(source, sink);
    await sink.close();
    const back = await dockerArchiveSource(`docker-archive:${out}`);
    const written = await back.manifest(await back.resolve());
    assert.ok(written.kind === 'manifest');
    assert.equal(written.value.layers[0]?.digest, sha256(layer));
    assert.equal(written.value.layers[0]?.mediaType, 'application/vnd.docker.image.rootfs.diff.tar');
  });

  test('Docker v25+ archives (an OCI layout inside) are read through index.json by image name', async () => {
    const cfg = config([sha256(layer)]);
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: sha256(cfg),
        size: cfg.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length },
      ],
    });
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: sha256(manifest),
          size: manifest.length,
          annotations: {
            'io.containerd.image.name': 'docker.io/library/hello:latest',
            'org.opencontainers.image.ref.name': 'latest',
          },
        },
      ],
    });
    const blob = (b: string | Buffer) => `blobs/sha256/${sha256(b).slice(7)}`;
    const path = await archive('v25.tar', [
      { name: blob(cfg), content: cfg },
      { name: blob(layer), content: layer },
      { name: blob(manifest), content: manifest },
      { name: 'index.json', content: index },
      {
        name: 'manifest.json',
        content: JSON.stringify([{ Config: blob(cfg), RepoTags: ['hello:latest'], Layers: [blob(layer)] }]),
      },
      { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'repositories', content: JSON.stringify({ hello: { latest: sha256(layer).slice(7) } }) },
    ]);
    for (const ref of [`docker-archive:${path}:hello`, `docker-archive:${path}`]) {
      const source = await dockerArchiveSource(ref);
      const top = await source.resolve();
      assert.equal(top.digest, sha256(manifest), 'the manifest docker wrote is used as-is');
      const doc = await source.manifest(top);
      assert.ok(doc.kind === 'manifest');
      assert.ok((await drain(await source.blob(doc.value.layers[0] as never))).equals(layer));
    }
    await assert.rejects(
      dockerArchiveSource(`docker-archive:${path}:other:latest`).then((s) => s.resolve()),
      { code: 'NOT_FOUND' },
    );
  });

  test('DiffID mismatch: a plain layer that differs from the config fails with DIGEST_MISMATCH when read', async () => {
    const cfg = config([sha256(second)]);
    const path = await archive('mismatch-plain.tar', [
      { name: `${ID1}/layer.tar`, content: layer },
      { name: 'c.json', content: cfg },
      {
        name: 'manifest.json',
        content: JSON.stringify([{ Config: 'c.json', Layers: [`${ID1}/layer.tar`] }]),
      },
    ]);
    const source = await dockerArchiveSource(`docker-archive:${path}`);
    const doc = await source.manifest(await source.resolve());
    assert.ok(doc.kind === 'manifest');
    await assert.rejects(drain(await source.blob(doc.value.layers[0] as never)), { code: 'DIGEST_MISMATCH' });
    // ...and a copy out of it fails without leaving a file.
    const out = join(dir, 'never.tar');
    const sink = await dockerArchiveSink(`docker-archive:${out}`);
    await assert.rejects(copyOne(source, sink), { code: 'DIGEST_MISMATCH' });
    await sink.close();
    await assert.rejects(exec('test', ['-e', out]));
  });

  test('DiffID mismatch: a gzip layer that uncompresses to something else fails with DIGEST_MISMATCH', async () => {
    const cfg = config([sha256(second)]);
    const path = await archive('mismatch-gzip.tar', [
      { name: `${ID1}/layer.tar`, content: gzipSync(layer) },
      { name: 'c.json', content: cfg },
      {
        name: 'manifest.json',
        content: JSON.stringify([{ Config: 'c.json', Layers: [`${ID1}/layer.tar`] }]),
      },
    ]);
    const source = await dockerArchiveSource(`docker-archive:${path}`);
    await assert.rejects(source.resolve(), { code: 'DIGEST_MISMATCH' });
  });

  test('DiffID mismatch on write: a config that does not describe the layers is refused at commit', async () => {
    const input = join(dir, 'oci-src');
    const { buildLayout } = await import('./helpers.ts');
    const fx = await buildLayout(input, 't', [{ files: { a: 'a' }, compression: 'gzip' }]);
    const badConfig = Buffer.from(config([sha256(second)]));
    const sink = await dockerArchiveSink(`docker-archive:${join(dir, 'bad-write.tar')}`);
    const layerBlob = await (await import('./helpers.ts')).layoutBlob(input, fx.layerDigests[0] as string);
    const { Readable } = await import('node:stream');
    const { parseManifest, serializeJson } = await import('../../src/spec/index.ts');
    const configDescriptor = {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256(badConfig),
      size: badConfig.length,
    };
    const layerDescriptor = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: sha256(layerBlob),
      size: layerBlob.length,
    };
    await sink.putBlob(configDescriptor, Readable.from([badConfig]));
    await sink.putBlob(layerDescriptor, Readable.from([layerBlob]));
    const manifest = parseManifest(
      serializeJson({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: configDescriptor,
        layers: [layerDescriptor],
      }),
    );
    await sink.putManifest(manifest);
    await assert.rejects(sink.commit(manifest), { code: 'DIGEST_MISMATCH' });
    await sink.close();
  });

  test('layers length mismatch between manifest.json and the config is INVALID_ARCHIVE', async () => {
    const cfg = config([sha256(layer), sha256(layer)]);
    const path = await archive('length.tar', [
      { name: `${ID1}/layer.tar`, content: layer },
      { name: 'c.json', content: cfg },
      {
        name: 'manifest.json',
        content: JSON.stringify([{ Config: 'c.json', Layers: [`${ID1}/layer.tar`] }]),
      },
    ]);
    const source = await dockerArchiveSource(`docker-archive:${path}`);
    await assert.rejects(source.resolve(), { code: 'INVALID_ARCHIVE' });
  });

  test('an archive without manifest.json is INVALID_ARCHIVE; a missing file is NOT_FOUND', async () => {
    const path = await archive('no-manifest.tar', [{ name: 'repositories', content: '{}' }]);
    await assert.rejects(dockerArchiveSource(`docker-archive:${path}`), { code: 'INVALID_ARCHIVE' });
    await assert.rejects(dockerArchiveSource(`docker-archive:${join(dir, 'absent.tar')}`), {
      code: 'NOT_FOUND',
    });
    await assert.rejects(ociArchiveSource(`oci-archive:${path}`), { code: 'INVALID_ARCHIVE' });
  });

  test('a layer that claims gzip but is corrupt is INVALID_ARCHIVE', async () => {
    const gz = gzipSync(layer);
    const broken = Buffer.concat([gz.subarray(0, 20), Buffer.alloc(200, 0xff)]);
    const cfg = config([sha256(layer)]);
    const path = await archive('corrupt-gzip.tar', [
      { name: `${ID1}/layer.tar`, content: broken },
      { name: 'c.json', content: cfg },
      {
        name: 'manifest.json',
        content: JSON.stringify([{ Config: 'c.json', Layers: [`${ID1}/layer.tar`] }]),
      },
    ]);
    const source = await dockerArchiveSource(`docker-archive:${path}`);
    await assert.rejects(source.resolve(), { code: 'INVALID_ARCHIVE' });
  });
});
