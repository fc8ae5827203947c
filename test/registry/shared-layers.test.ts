/**
 * Pushing several images that share layers to several repositories of one registry through one
 * client (what a sync does): each shared layer is downloaded and uploaded once, and mounted
 * into the other repositories (distribution-spec end-11). Also: the top manifest goes up once,
 * under its tag, and a source resolves its tag once. Counted by TCP proxies in front of real
 * registries.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { copyImage } from '../../src/copy/index.ts';
import { digestBytes } from '../../src/digest/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import { parseTopDocument } from '../../src/spec/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import { BlobHomes } from '../../src/transports/registry/blob-homes.ts';
import { RegistrySink, RegistrySource } from '../../src/transports/registry/transport.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { type CountingProxy, startCountingProxy } from './counting-proxy.ts';
import { type Blob, blobOf, clientFor, pushImage, type TestImage } from './fixture.ts';

/** An image of the given layers (a config naming them, a manifest). */
function imageOf(layers: Blob[]): TestImage {
  const config = blobOf(
    Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
    ),
    OCI.config,
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config: config.descriptor,
      layers: layers.map((l) => l.descriptor),
    }),
  );
  return { config, layers, manifest, manifestDigest: digestBytes(manifest) };
}

const layer = (size: number): Blob => blobOf(gzipSync(randomBytes(size), { level: 1 }), OCI.layerGzip);
const base = layer(400_000);
const images = [0, 1, 2, 3].map(() => imageOf([base, layer(20_000)]));

let source: RunningRegistry;
let destination: RunningRegistry;
let sourceProxy: CountingProxy;
let destinationProxy: CountingProxy;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  sourceProxy = await startCountingProxy(source.host);
  destinationProxy = await startCountingProxy(destination.host);
  const client = clientFor({ after: () => {} }, source.host);
  for (const [i, image] of images.entries()) await pushImage(client, `src/img${i}`, image, 'v1');
  await client.close();
});
after(async () => {
  await sourceProxy?.stop();
  await destinationProxy?.stop();
  await source?.stop();
  await destination?.stop();
});

const uploadsOf = (proxy: CountingProxy, digest: string) =>
  proxy.requests.filter(
    (r) => r.startsWith('PUT ') && r.includes('/blobs/uploads/') && r.includes(digest.replace(':', '%3A')),
  );
const mountsOf = (proxy: CountingProxy, digest: string) =>
  proxy.requests.filter((r) => r.startsWith('POST ') && r.includes(`mount=${digest.replace(':', '%3A')}`));
const downloadsOf = (proxy: CountingProxy, digest: string) =>
  proxy.requests.filter((r) => r.startsWith('GET ') && r.includes(`/blobs/${digest}`));

describe('images sharing layers, pushed through one client', () => {
  test('a shared layer is downloaded and uploaded once, and mounted into the other repositories', async (t) => {
    sourceProxy.reset();
    destinationProxy.reset();
    const from = clientFor(t, sourceProxy.host);
    const to = clientFor(t, destinationProxy.host);
    const results = await Promise.all(
      images.map((image, i) =>
        copyImage(
          new RegistrySource(parseReference(`${sourceProxy.host}/src/img${i}:v1`), from),
          new RegistrySink(parseReference(`${destinationProxy.host}/dst/img${i}:v1`), to),
          { jobs: 2 },
        ).then((result) => assert.equal(result.digest, image.manifestDigest)),
      ),
    );
    assert.equal(results.length, images.length);
    const digest = base.descriptor.digest;
    assert.equal(uploadsOf(destinationProxy, digest).length, 1, 'the shared layer is uploaded once');
    assert.equal(mountsOf(destinationProxy, digest).length, images.length - 1, 'and mounted elsewhere');
    assert.equal(downloadsOf(sourceProxy, digest).length, 1, 'and downloaded once');
    // Every repository serves the whole image.
    const check = clientFor(t, destination.host);
    for (const [i, image] of images.entries()) {
      for (const blob of [image.config, ...image.layers]) {
        const head = await check.headBlob(`dst/img${i}`, blob.descriptor.digest);
        assert.equal(head?.size, blob.descriptor.size, `dst/img${i} holds ${blob.descriptor.digest}`);
      }
    }
  });

  test('the top manifest goes up once, under its tag, and the tag is resolved once', async (t) => {
    sourceProxy.reset();
    destinationProxy.reset();
    const from = new RegistrySource(
      parseReference(`${sourceProxy.host}/src/img0:v1`),
      clientFor(t, sourceProxy.host),
    );
    await from.resolve();
    const sink = new RegistrySink(
      parseReference(`${destinationProxy.host}/once/app:v1`),
      clientFor(t, destinationProxy.host),
    );
    const result = await copyImage(from, sink);
    assert.equal(result.digest, images[0]?.manifestDigest);
    assert.deepEqual(
      destinationProxy.requests.filter((r) => r.includes('/manifests/')),
      [`PUT /v2/once/app/manifests/v1 HTTP/1.1`],
    );
    assert.equal(sourceProxy.requests.filter((r) => r.startsWith('HEAD ')).length, 1);
  });

  test('an uncommitted sink leaves no manifest behind', async (t) => {
    destinationProxy.reset();
    const image = images[1] as TestImage;
    const sink = new RegistrySink(
      parseReference(`${destinationProxy.host}/held/app:v1`),
      clientFor(t, destinationProxy.host),
    );
    for (const blob of [image.config, ...image.layers])
      await sink.putBlob(blob.descriptor, Readable.from([blob.bytes]));
    await sink.putManifest(parseTopDocument(image.manifest, { contentType: OCI.manifest }));
    await sink.close();
    assert.equal(destinationProxy.requests.filter((r) => r.includes('/manifests/')).length, 0);
  });
});

describe('blob homes', () => {
  test('a lookup waits for an announced upload to another repository and names it', async () => {
    const homes = new BlobHomes();
    const claim = homes.claim('sha256:aa', 'one');
    const found = homes.find('sha256:aa', 'two');
    claim.settle(true);
    assert.equal(await found, 'one');
    assert.equal(await homes.find('sha256:aa', 'three'), 'one');
  });

  test('a failed upload leaves the lookup empty-handed, so the caller uploads itself', async () => {
    const homes = new BlobHomes();
    const claim = homes.claim('sha256:aa', 'one');
    const found = homes.find('sha256:aa', 'two');
    claim.settle(false);
    assert.equal(await found, undefined);
  });

  test('the repository asking is never its own home, and a lookup can be aborted', async () => {
    const homes = new BlobHomes();
    homes.record('sha256:aa', 'one');
    assert.equal(await homes.find('sha256:aa', 'one'), undefined);
    homes.claim('sha256:bb', 'one');
    const controller = new AbortController();
    const found = homes.find('sha256:bb', 'two', controller.signal);
    controller.abort(new Error('stop'));
    await assert.rejects(found, /stop/);
  });
});
