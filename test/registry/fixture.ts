/** Tiny hand-built images for registry tests: a config, random layers and a manifest, as exact bytes. */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type Digest, digestBytes } from '../../src/digest/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import type { Descriptor } from '../../src/spec/types.ts';
import { type Authenticator, anonymousAuthenticator } from '../../src/transports/registry/auth-contract.ts';
import { RegistryClient } from '../../src/transports/registry/client.ts';

/** A blob with its descriptor. */
export interface Blob {
  descriptor: Descriptor;
  bytes: Buffer;
}

/** A whole image as bytes. */
export interface TestImage {
  config: Blob;
  layers: Blob[];
  manifest: Buffer;
  manifestDigest: Digest;
}

/** A blob of `bytes` with media type `mediaType`. */
export function blobOf(bytes: Buffer, mediaType: string): Blob {
  return { bytes, descriptor: { mediaType, digest: digestBytes(bytes), size: bytes.byteLength } };
}

/**
 * An OCI image whose layers are gzip streams of random bytes of the given sizes (not tars:
 * registries do not look inside, and skopeo keeps gzip blobs as they are).
 */
export function makeImage(layerSizes: number[] = [1000, 3000]): TestImage {
  const layers = layerSizes.map((size) => blobOf(gzipSync(randomBytes(size), { level: 1 }), OCI.layerGzip));
  const config = blobOf(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.descriptor.digest) },
        config: {},
      }),
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

/** Creates a client for a loopback registry with fast retries, closed when the test ends. */
export function clientFor(
  t: { after(fn: () => unknown): void },
  host: string,
  authenticator: Authenticator = anonymousAuthenticator,
): RegistryClient {
  const client = new RegistryClient(host, { authenticator, retry: { baseDelayMs: 10, maxDelayMs: 2000 } });
  t.after(() => client.close());
  return client;
}

/** Pushes every blob of `image` and its manifest under `reference`. */
export async function pushImage(
  client: RegistryClient,
  repository: string,
  image: TestImage,
  reference: string,
) {
  for (const blob of [image.config, ...image.layers]) {
    await client.pushBlob(repository, blob.descriptor, blob.bytes);
  }
  return client.putManifest(repository, reference, image.manifest, OCI.manifest);
}

/** Collects a stream into one buffer. */
export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
