/**
 * `flatten` (crane flatten): an image squashed to one layer holding its flattened filesystem,
 * with the config's history replaced by one entry for that layer (config.md: the non-empty
 * history entries match the layers one to one). The new layer is spooled to a temp file, so it
 * must be disposed once the image is written. On an index, every image is flattened.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type CompressionKind, compressAndDigest, mediaTypeFor } from '../compress/index.ts';
import { type Digest, digestBytes } from '../digest/index.ts';
import { openDocument } from '../image/image.ts';
import type { Image, Index, OperationOptions } from '../image/types.ts';
import { type Descriptor, DOCKER, type ImageManifest, serializeJson } from '../spec/index.ts';
import { exportFilesystem } from './flatten.ts';
import { mapIndexImages } from './index-edit.ts';
import { creationTime, type HistoryOptions } from './mutate.ts';
import { type OverlayBlob, OverlaySource } from './overlay-source.ts';
import { replacementManifest } from './replacement-manifest.ts';

/** Options of {@link flattenImage}. */
export interface FlattenImageOptions extends OperationOptions, HistoryOptions {
  /** Compression of the new layer (default gzip). */
  compression?: CompressionKind;
  /** Where the layer is spooled and the filesystem assembled (default: the system temp directory). */
  tempDir?: string;
}

/** A new image or index whose spooled layers must be removed with `dispose()` once written. */
export interface Spooled<T> {
  result: T;
  dispose(): Promise<void>;
}

/** One image flattened; its spooled layer is removed by `dispose()`. */
export async function flattenImage(image: Image, options: FlattenImageOptions = {}): Promise<Spooled<Image>> {
  const spoolDir = await mkdtemp(join(options.tempDir ?? tmpdir(), 'ocikit-flatten-'));
  const dispose = () => rm(spoolDir, { recursive: true, force: true });
  try {
    const file = join(spoolDir, 'layer');
    const filesystem = exportFilesystem(image, { signal: options.signal, tempDir: options.tempDir });
    const compression = options.compression ?? 'gzip';
    const { output, result } = compressAndDigest(filesystem, compression, { signal: options.signal });
    await pipeline(output, createWriteStream(file), { signal: options.signal });
    const digests = await result;
    const docker = image.document.mediaType === DOCKER.manifest;
    const layer: Descriptor = {
      mediaType: mediaTypeFor(compression, { docker }),
      digest: digests.digest,
      size: digests.size,
    };
    const config = structuredClone((await image.config(options)).value);
    const created = creationTime(options.created);
    const count = image.document.value.layers.length;
    config.rootfs = { ...config.rootfs, diff_ids: [digests.diffId] };
    config.history = [
      {
        created,
        created_by: `ocikit flatten ${image.descriptor.digest}`,
        comment: `${count} layer${count === 1 ? '' : 's'} flattened into one`,
      },
    ];
    config.created = created;
    const configBytes = serializeJson(config);
    const configDigest = digestBytes(configBytes);
    const manifest: ImageManifest = {
      ...structuredClone(image.document.value),
      config: { ...image.document.value.config, digest: configDigest, size: configBytes.byteLength },
      layers: [layer],
    };
    delete manifest.config.data;
    const { document, descriptor } = replacementManifest(image, manifest);
    const blobs = new Map<Digest, OverlayBlob>([
      [configDigest, configBytes],
      [layer.digest, () => createReadStream(file, { highWaterMark: 1 << 20 })],
    ]);
    const source = new OverlaySource(image.source, document, descriptor, blobs);
    return { result: openDocument(source, descriptor, document) as Image, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Flattens an image, or every image of an index (nested ones too); `dispose()` removes every spool. */
export async function flatten(
  node: Image | Index,
  options: FlattenImageOptions = {},
): Promise<Spooled<Image | Index>> {
  if (node.kind === 'image') return flattenImage(node, options);
  const spooled: Array<Spooled<Image>> = [];
  const dispose = async () => {
    await Promise.all(spooled.map((s) => s.dispose()));
  };
  try {
    const result = await mapIndexImages(
      node,
      async (image) => {
        const one = await flattenImage(image, options);
        spooled.push(one);
        return one.result;
      },
      options,
    );
    return { result, dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
