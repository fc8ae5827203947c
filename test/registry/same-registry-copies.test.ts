/**
 * Many copies between repositories of one registry at once, when the registry refuses the
 * cross-repository mount: every blob is then downloaded and uploaded to the same registry, each
 * download waiting for its upload. Source and destination sides must never wait on one pool of
 * connections, or the paused downloads hold every connection the uploads need and nothing moves.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { copyImage } from '../../src/copy/index.ts';
import { sharedOpeners } from '../../src/copy/sync/shared-clients.ts';
import { digestBytes } from '../../src/digest/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import { openSink, openSource } from '../../src/transports/index.ts';
import { RegistrySink, RegistrySource } from '../../src/transports/registry/transport.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { blobOf, clientFor, makeImage, pushImage, type TestImage } from './fixture.ts';
import { type MountRefusingProxy, startMountRefusingProxy } from './mount-refusing-proxy.ts';

/** More transfers at once than an Agent has connections per origin (16). */
const IMAGES = 24;
let registry: RunningRegistry;
let proxy: MountRefusingProxy;
const images: TestImage[] = [];

before(async () => {
  registry = await startRegistry();
  proxy = await startMountRefusingProxy(registry.host);
  const client = clientFor({ after: () => {} }, registry.host);
  for (let i = 0; i < IMAGES; i++) {
    const image = makeImage([]);
    // A layer much larger than what a paused response buffers, so a download holds its connection.
    const layer = blobOf(randomBytes(1 << 20), OCI.layerGzip);
    const manifest = JSON.parse(image.manifest.toString());
    manifest.layers = [layer.descriptor];
    const bytes = Buffer.from(JSON.stringify(manifest));
    const full: TestImage = {
      ...image,
      layers: [layer],
      manifest: bytes,
      manifestDigest: digestBytes(bytes),
    };
    await pushImage(client, `src/img${i}`, full, 'v1');
    images.push(full);
  }
  await client.close();
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
});

describe('copies within one registry whose mounts are refused', () => {
  test('24 copies at once through a source and a destination client each complete', {
    timeout: 90_000,
  }, async (t) => {
    proxy.mounts.length = 0;
    const digests = await Promise.all(
      images.map(async (image, i) => {
        const result = await copyImage(
          new RegistrySource(parseReference(`${proxy.host}/src/img${i}:v1`), clientFor(t, proxy.host)),
          new RegistrySink(parseReference(`${proxy.host}/dst/img${i}:v1`), clientFor(t, proxy.host)),
          { jobs: 2 },
        );
        assert.equal(result.digest, image.manifestDigest);
        return result.digest;
      }),
    );
    assert.equal(digests.length, IMAGES);
    assert.ok(proxy.mounts.length >= IMAGES, 'the mounts were asked for, and refused');
  });

  test('24 copies at once through the shared clients of a sync complete', { timeout: 90_000 }, async () => {
    proxy.mounts.length = 0;
    const openers = await sharedOpeners({ openSource, openSink });
    try {
      const digests = await Promise.all(
        images.map(async (image, i) => {
          const source = await openers.openSource(`docker://${proxy.host}/src/img${i}:v1`, {});
          const sink = await openers.openSink(`docker://${proxy.host}/sync/img${i}:v1`, {});
          try {
            const result = await copyImage(source, sink, { jobs: 2 });
            assert.equal(result.digest, image.manifestDigest);
            return result.digest;
          } finally {
            await source.close();
            await sink.close();
          }
        }),
      );
      assert.equal(digests.length, IMAGES);
    } finally {
      await openers.close();
    }
  });
});
