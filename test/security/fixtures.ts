/**
 * Builders for hostile OCI layouts used by the security tests: blobs are written straight into
 * `blobs/sha256/<hex>` (bypassing ingest) so a test can plant symlinks, FIFOs, tampered bytes and
 * odd documents exactly where a reader will look.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OCI } from '../../src/spec/index.ts';

/** A descriptor as written into fixtures. */
export interface FixtureDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string };
}

/** `sha256:<hex>` of `bytes`. */
export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The path a blob of `digest` has in the layout at `root`. */
export function blobFile(root: string, digest: string): string {
  return join(root, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** Creates `oci-layout`, `blobs/sha256/` and an index.json listing `manifests`. */
export async function writeLayout(root: string, manifests: FixtureDescriptor[] = []): Promise<void> {
  await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeIndex(root, manifests);
}

/** Replaces index.json with an OCI index listing `manifests`. */
export async function writeIndex(root: string, manifests: FixtureDescriptor[]): Promise<void> {
  await writeFile(
    join(root, 'index.json'),
    JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests }),
  );
}

/** Stores `bytes` as a blob (name = its sha256) and returns its descriptor. */
export async function putBlob(
  root: string,
  bytes: Uint8Array | string,
  mediaType: string,
): Promise<FixtureDescriptor> {
  const buf = Buffer.from(bytes);
  const digest = sha256(buf);
  await writeFile(blobFile(root, digest), buf);
  return { mediaType, digest, size: buf.byteLength };
}

/** Stores a JSON document as a blob. */
export function putJson(root: string, value: unknown, mediaType: string): Promise<FixtureDescriptor> {
  return putBlob(root, JSON.stringify(value), mediaType);
}

/** A minimal OCI image config for `diffIds`, with optional extra fields. */
export function imageConfig(diffIds: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architecture: 'amd64',
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: diffIds },
    ...extra,
  };
}

/**
 * Writes a single-image layout: uncompressed tar layers (DiffID = digest), a config with
 * `configExtra`, a manifest, and index.json naming it `tag`. Returns the descriptors.
 */
export async function writeImageLayout(
  root: string,
  layers: Buffer[],
  options: { configExtra?: Record<string, unknown>; tag?: string } = {},
): Promise<{ manifest: FixtureDescriptor; config: FixtureDescriptor; layers: FixtureDescriptor[] }> {
  await writeLayout(root);
  const layerDescriptors: FixtureDescriptor[] = [];
  for (const layer of layers) layerDescriptors.push(await putBlob(root, layer, OCI.layer));
  const config = await putJson(
    root,
    imageConfig(
      layerDescriptors.map((d) => d.digest),
      options.configExtra,
    ),
    OCI.config,
  );
  const manifest = await putJson(
    root,
    { schemaVersion: 2, mediaType: OCI.manifest, config, layers: layerDescriptors },
    OCI.manifest,
  );
  const entry: FixtureDescriptor = {
    ...manifest,
    annotations: { 'org.opencontainers.image.ref.name': options.tag ?? 'latest' },
  };
  await writeIndex(root, [entry]);
  return { manifest, config, layers: layerDescriptors };
}
