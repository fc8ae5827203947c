/**
 * Images for the parity tests: small OCI layouts written byte by byte (so a test can break exactly
 * one thing in them), and helpers that read what a command wrote.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { OCI } from '../../src/spec/index.ts';
import { run } from '../helpers/exec.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import {
  type FixtureDescriptor,
  imageConfig,
  putBlob,
  putJson,
  sha256,
  writeIndex,
  writeLayout,
} from '../security/fixtures.ts';

/** What {@link writeGzipImage} wrote. */
export interface GzipImage {
  root: string;
  name: string;
  manifest: FixtureDescriptor;
  config: FixtureDescriptor;
  layers: FixtureDescriptor[];
}

/** Changes to apply while writing a {@link writeGzipImage} layout (one fault each). */
export interface ImageEdits {
  /** Replaces the DiffID recorded for layer `i`. */
  diffId?: { index: number; value: string };
  /** The config's history (default: one non-empty entry per layer). */
  history?: Array<Record<string, unknown>>;
  /** Replaces the media type a layer descriptor states. */
  layerMediaType?: { index: number; value: string };
  /** Written into each layer, so that images otherwise alike share no blob. */
  salt?: string;
}

/** Two gzip layers (`a` then `b/c`), a config and a manifest tagged `t` in an OCI layout at `root`. */
export async function writeGzipImage(root: string, edits: ImageEdits = {}): Promise<GzipImage> {
  await writeLayout(root);
  const tars = [
    await hostileTar([{ name: 'a', content: `first layer${edits.salt ?? ''}\n` }]),
    await hostileTar([
      { name: 'b/', type: 'directory' },
      { name: 'b/c', content: `second layer${edits.salt ?? ''}\n` },
    ]),
  ];
  const diffIds = tars.map((t) => sha256(t));
  if (edits.diffId) diffIds[edits.diffId.index] = edits.diffId.value;
  const layers: FixtureDescriptor[] = [];
  for (const [i, tar] of tars.entries()) {
    const layer = await putBlob(root, gzipSync(tar), OCI.layerGzip);
    if (edits.layerMediaType?.index === i) layer.mediaType = edits.layerMediaType.value;
    layers.push(layer);
  }
  const history = edits.history ?? tars.map((_, i) => ({ created_by: `layer ${i}` }));
  const config = await putJson(root, imageConfig(diffIds, { history }), OCI.config);
  const manifest = await putJson(
    root,
    { schemaVersion: 2, mediaType: OCI.manifest, config, layers },
    OCI.manifest,
  );
  await writeIndex(root, [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': 't' } }]);
  return { root, name: `oci:${root}:t`, manifest, config, layers };
}

/** The path of a blob in a layout. */
export function blobPath(root: string, digest: string): string {
  return join(root, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** The parsed JSON blob `digest` of the layout at `root`. */
export function readJsonBlob<T = Record<string, unknown>>(root: string, digest: string): T {
  return JSON.parse(readFileSync(blobPath(root, digest), 'utf8')) as T;
}

/** The descriptor index.json gives tag `tag`. */
export function taggedDescriptor(root: string, tag: string): FixtureDescriptor {
  const index = JSON.parse(readFileSync(join(root, 'index.json'), 'utf8')) as {
    manifests: FixtureDescriptor[];
  };
  const found = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (found === undefined) throw new Error(`no tag ${tag} in ${root}`);
  return found;
}

/** A manifest as tests read it. */
export interface ManifestJson {
  mediaType: string;
  config: FixtureDescriptor;
  layers: FixtureDescriptor[];
  annotations?: Record<string, string>;
}

/** An index as tests read it. */
export interface IndexJson {
  mediaType: string;
  manifests: FixtureDescriptor[];
  annotations?: Record<string, string>;
}

/** A config as tests read it. */
export interface ConfigJson {
  architecture: string;
  os: string;
  rootfs: { diff_ids: string[] };
  history?: Array<{ created_by?: string; empty_layer?: boolean; comment?: string }>;
}

/**
 * oci-image-tool 1.0.0-rc1 cannot follow an index from index.json (`--type image` takes images
 * only): the index document and each child manifest are validated on their own.
 */
export async function validateIndex(layout: string, tag: string): Promise<void> {
  const digest = taggedDescriptor(layout, tag).digest;
  await run('oci-image-tool', ['validate', '--type', 'imageIndex', blobPath(layout, digest)]);
  for (const child of readJsonBlob<IndexJson>(layout, digest).manifests)
    await run('oci-image-tool', ['validate', '--type', 'manifest', blobPath(layout, child.digest)]);
}
