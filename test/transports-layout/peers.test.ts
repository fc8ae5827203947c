/**
 * The `oci:` transport against real peers: layouts made by umoci and skopeo read back with the
 * same bytes and digests skopeo sees, and layouts we write are read by skopeo and umoci.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { ImageSink, ImageSource } from '../../src/image/types.ts';
import { DOCKER, OCI, parseIndex, parseManifest, type TopDocument } from '../../src/spec/index.ts';
import { openLayout, REF_NAME } from '../../src/store/index.ts';
import { layoutSink, layoutSource } from '../../src/transports/layout/index.ts';
import { run, scratch, sha256, skopeoCopy, skopeoRaw, umociImage } from '../helpers/peers-layout.ts';

let dir: string;
let cleanup: () => Promise<void>;
before(async () => ({ dir, cleanup } = await scratch('oci-transport')));
after(() => cleanup());

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A minimal copy through the transport contract: children first, the top document last. */
async function copy(source: ImageSource, sink: ImageSink): Promise<{ reference: string; digest: string }> {
  const put = async (document: TopDocument): Promise<void> => {
    if (document.kind === 'index') {
      for (const child of document.value.manifests) await put(await source.manifest(child));
    } else {
      for (const blob of [document.value.config, ...document.value.layers]) {
        if (!(await sink.hasBlob(blob))) await sink.putBlob(blob, await source.blob(blob));
      }
    }
    await sink.putManifest(document);
  };
  const top = await source.manifest(await source.resolve());
  await put(top);
  return sink.commit(top);
}

test('an umoci image copied by skopeo reads back with the manifest bytes skopeo reports', async () => {
  const umoci = join(dir, 'umoci');
  const copied = join(dir, 'copied');
  await umociImage(umoci, 't', { '/hello.txt': 'hello\n' });
  await skopeoCopy(`oci:${umoci}:t`, `oci:${copied}:t`);
  for (const layoutDir of [umoci, copied]) {
    const raw = await skopeoRaw(`oci:${layoutDir}:t`);
    const source = layoutSource(`oci:${layoutDir}:t`);
    const descriptor = await source.resolve();
    assert.equal(descriptor.digest, sha256(raw));
    const document = await source.manifest(descriptor);
    assert.deepEqual(Buffer.from(document.bytes), raw);
    assert.equal(document.kind, 'manifest');
    if (document.kind !== 'manifest') return;
    const layer = document.value.layers[0];
    assert.ok(layer);
    assert.equal(sha256(await collect(await source.blob(layer))), layer.digest);
    assert.equal((await (await openLayout(layoutDir)).fsck()).ok, true);
  }
});

test('a Docker v2s2 layout written by skopeo resolves to the Docker manifest skopeo stored', async () => {
  const umoci = join(dir, 'umoci-d');
  const docker = join(dir, 'docker');
  await umociImage(umoci, 't', { '/d.txt': 'docker\n' });
  await skopeoCopy(`oci:${umoci}:t`, `oci:${docker}:t`, ['--format', 'v2s2']);
  const entry = JSON.parse(await readFile(join(docker, 'index.json'), 'utf8')).manifests[0];
  const source = layoutSource(`oci:${docker}:t`);
  const descriptor = await source.resolve();
  assert.equal(descriptor.mediaType, DOCKER.manifest);
  assert.equal(descriptor.digest, entry.digest);
  const document = await source.manifest(descriptor);
  assert.equal(document.mediaType, DOCKER.manifest);
  assert.equal(sha256(document.bytes), entry.digest);
  assert.equal((await (await openLayout(docker)).fsck()).ok, true);
});

test('a layout written through our sink is read by skopeo and umoci, byte for byte', async () => {
  const umoci = join(dir, 'umoci-src');
  const ours = join(dir, 'nested', 'ours');
  await umociImage(umoci, 'src', { '/a.txt': 'a\n', '/b.txt': 'b\n' });
  const result = await copy(layoutSource(`oci:${umoci}:src`), layoutSink(`oci:${ours}:v1`));
  assert.equal(result.reference, `oci:${ours}:v1`);
  const raw = await skopeoRaw(`oci:${ours}:v1`);
  assert.equal(sha256(raw), result.digest);
  assert.deepEqual(raw, await skopeoRaw(`oci:${umoci}:src`));
  await skopeoCopy(`oci:${ours}:v1`, `oci:${join(dir, 'back')}:v1`);
  await run('umoci', ['unpack', '--rootless', '--image', `${ours}:v1`, join(dir, 'bundle')]);
  assert.equal(await readFile(join(dir, 'bundle', 'rootfs', 'b.txt'), 'utf8'), 'b\n');

  // Without a tag the sink adds an untagged entry and names the result by digest.
  const untagged = await copy(layoutSource(`oci:${umoci}:src`), layoutSink(`oci:${join(dir, 'untagged')}`));
  assert.equal(untagged.reference, `oci:${join(dir, 'untagged')}@${result.digest}`);
  const index = JSON.parse(await readFile(join(dir, 'untagged', 'index.json'), 'utf8'));
  assert.deepEqual(index.manifests, [{ mediaType: OCI.manifest, digest: result.digest, size: raw.length }]);
  assert.equal((await layoutSource(untagged.reference).resolve()).digest, result.digest);
});

test('a multi-platform index we write survives skopeo copy --all with the same digests', async () => {
  const hand = join(dir, 'hand');
  const sink = layoutSink(`oci:${hand}:multi`);
  const manifests = [];
  for (const [architecture, variant] of [
    ['amd64', undefined],
    ['arm64', 'v8'],
  ] as const) {
    // gzip layers: skopeo keeps compressed layers as they are, so every digest survives its copy.
    const tarBytes = Buffer.alloc(1024, architecture);
    const layerBytes = gzipSync(tarBytes);
    const layer = { mediaType: OCI.layerGzip, digest: sha256(layerBytes) as never, size: layerBytes.length };
    await sink.putBlob(layer, Readable.from([layerBytes]));
    const configBytes = Buffer.from(
      JSON.stringify({
        architecture,
        os: 'linux',
        ...(variant ? { variant } : {}),
        rootfs: { type: 'layers', diff_ids: [sha256(tarBytes)] },
      }),
    );
    const config = { mediaType: OCI.config, digest: sha256(configBytes) as never, size: configBytes.length };
    await sink.putBlob(config, Readable.from([configBytes]));
    const manifest = parseManifest(
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.manifest, config, layers: [layer] })),
    );
    await sink.putManifest(manifest);
    manifests.push({
      mediaType: OCI.manifest,
      digest: manifest.digest,
      size: manifest.bytes.length,
      platform: { architecture, os: 'linux', ...(variant ? { variant } : {}) },
    });
  }
  const index = parseIndex(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests })),
  );
  await sink.putManifest(index);
  await sink.commit(index);
  assert.equal(sha256(await skopeoRaw(`oci:${hand}:multi`)), index.digest);

  const copied = join(dir, 'multi-copied');
  await skopeoCopy(`oci:${hand}:multi`, `oci:${copied}:multi`, ['--all']);
  const raw = await skopeoRaw(`oci:${copied}:multi`);
  const source = layoutSource(`oci:${copied}:multi`);
  const top = await source.resolve();
  assert.equal(top.mediaType, OCI.index);
  assert.equal(top.digest, sha256(raw));
  assert.equal(top.digest, index.digest);
  const document = await source.manifest(top);
  assert.equal(document.kind, 'index');
  if (document.kind !== 'index') return;
  for (const child of document.value.manifests) {
    assert.equal((await source.manifest(child)).kind, 'manifest');
  }
  const layout = await openLayout(copied);
  assert.deepEqual(await layout.listTags(), ['multi']);
  const entry = (await layout.readIndex()).value.manifests[0];
  assert.equal(entry?.annotations?.[REF_NAME], 'multi');
  const report = await layout.fsck();
  assert.deepEqual(report.problems, []);
  assert.equal(report.checked, 7);
});
