/**
 * The lazy, read-only image model derived from any {@link ImageSource} (DESIGN.md §1.1): a
 * transport gives raw manifests and verified blobs; this gives images, indexes, configs and
 * layers with memoised accessors.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
// The decompression module alone: the compress barrel also loads the parallel compressors.
import { decompressStream } from '../compress/decompress.ts';
import { type Digest, Hasher } from '../digest/index.ts';
import { ErrorCode, OciError } from '../errors/index.ts';
import { formatPlatform, parsePlatform, platformMatches, selectManifest } from '../platform/index.ts';
import {
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
  isConfigMediaType,
  type Parsed,
  type Platform,
  parseConfig,
  type TopDocument,
} from '../spec/index.ts';
import { readAll } from './read.ts';
import type { BlobOptions, Image, ImageSource, Index, Layer, OperationOptions } from './types.ts';

/** Largest config blob read into memory. */
export const MAX_CONFIG_BYTES = 8 << 20;

/** Opens whatever the source's reference names: an image or an index. */
export async function openTop(source: ImageSource, options: OperationOptions = {}): Promise<Image | Index> {
  const descriptor = await source.resolve(options);
  return openDocument(source, descriptor, await source.manifest(descriptor, options));
}

/** Wraps a fetched document as an Image or Index. */
export function openDocument(
  source: ImageSource,
  descriptor: Descriptor,
  document: TopDocument,
): Image | Index {
  return document.kind === 'index'
    ? new LazyIndex(source, descriptor, document)
    : new LazyImage(source, descriptor, document);
}

/**
 * Opens a single-platform image: the best match for `platform` (default: the host) in an index,
 * recursing into nested indexes and skipping attestations; or the manifest itself, which must
 * then be for `platform` when one is asked for (NO_MATCHING_PLATFORM otherwise).
 */
export async function openImage(
  source: ImageSource,
  options: OperationOptions & { platform?: Platform | string } = {},
): Promise<Image> {
  const top = await openTop(source, options);
  if (top.kind === 'index') return top.image(options.platform, options);
  if (options.platform !== undefined) await requirePlatform(top, options.platform, options);
  return top;
}

async function requirePlatform(
  image: Image,
  platform: Platform | string,
  options: OperationOptions,
): Promise<void> {
  const want = typeof platform === 'string' ? parsePlatform(platform) : platform;
  // Only an image config declares a platform; an artifact has none to check.
  if (!isConfigMediaType(image.document.value.config.mediaType)) return;
  const have = (await image.config(options)).value;
  if (!platformMatches(want, have)) {
    throw new OciError(
      ErrorCode.NO_MATCHING_PLATFORM,
      `the image is for ${formatPlatform(have)}, not ${formatPlatform(want)}`,
      { data: { platform: formatPlatform(want), available: [formatPlatform(have)] } },
    );
  }
}

class LazyIndex implements Index {
  readonly kind = 'index' as const;
  readonly source: ImageSource;
  readonly descriptor: Descriptor;
  readonly document: TopDocument & { kind: 'index' };

  constructor(source: ImageSource, descriptor: Descriptor, document: TopDocument & { kind: 'index' }) {
    this.source = source;
    this.descriptor = descriptor;
    this.document = document;
  }

  async child(descriptor: Descriptor, options: OperationOptions = {}): Promise<Image | Index> {
    return openDocument(this.source, descriptor, await this.source.manifest(descriptor, options));
  }

  async image(platform?: Platform | string, options: OperationOptions = {}): Promise<Image> {
    const want = typeof platform === 'string' ? parsePlatform(platform) : platform;
    const chosen = await selectManifest(this.document.value, want, async (d: Descriptor) => {
      const nested = await this.source.manifest(d, options);
      if (nested.kind !== 'index')
        throw new OciError(ErrorCode.INVALID_DOCUMENT, `${d.digest} is not an index`);
      return nested.value;
    });
    const child = await this.child(chosen, options);
    if (child.kind !== 'image')
      throw new OciError(ErrorCode.INVALID_DOCUMENT, `${chosen.digest} is not a manifest`);
    return child;
  }
}

class LazyImage implements Image {
  readonly kind = 'image' as const;
  readonly source: ImageSource;
  readonly descriptor: Descriptor;
  readonly document: Parsed<ImageManifest>;
  private configPromise: Promise<Parsed<ImageConfig>> | undefined;
  private layerList: Layer[] | undefined;

  constructor(source: ImageSource, descriptor: Descriptor, document: Parsed<ImageManifest>) {
    this.source = source;
    this.descriptor = descriptor;
    this.document = document;
  }

  config(options: OperationOptions = {}): Promise<Parsed<ImageConfig>> {
    this.configPromise ??= (async () => {
      const descriptor = this.document.value.config;
      if (!isConfigMediaType(descriptor.mediaType)) {
        // manifest.md: a config of unknown media type MUST NOT be parsed.
        throw new OciError(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          `config media type ${descriptor.mediaType} is not an image config`,
          {
            data: { mediaType: descriptor.mediaType },
          },
        );
      }
      const bytes = await readAll(await this.source.blob(descriptor, options), MAX_CONFIG_BYTES);
      return parseConfig(bytes);
    })();
    this.configPromise.catch(() => {
      this.configPromise = undefined;
    });
    return this.configPromise;
  }

  layers(): Layer[] {
    this.layerList ??= this.document.value.layers.map(
      (descriptor, index) => new LazyLayer(this, descriptor, index),
    );
    return this.layerList;
  }
}

class LazyLayer implements Layer {
  readonly descriptor: Descriptor;
  private readonly image: LazyImage;
  private readonly index: number;

  constructor(image: LazyImage, descriptor: Descriptor, index: number) {
    this.image = image;
    this.descriptor = descriptor;
    this.index = index;
  }

  /** The DiffID the config records for this layer (config.md rootfs.diff_ids), else computed. */
  async diffId(options: OperationOptions = {}): Promise<Digest> {
    const config = await this.image.config(options).catch(() => undefined);
    const recorded = config?.value.rootfs.diff_ids[this.index];
    if (recorded !== undefined) return recorded;
    const hasher = new Hasher();
    await pipeline(await this.uncompressed(options), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) hasher.update(chunk);
    });
    return hasher.digest();
  }

  compressed(options: BlobOptions = {}): Promise<Readable> {
    return this.image.source.blob(this.descriptor, options);
  }

  async uncompressed(options: BlobOptions = {}): Promise<Readable> {
    const compressed = await this.compressed(options);
    const out = decompressStream();
    compressed.on('error', (err) => out.destroy(err));
    // A reader that stops early destroys `out`: release the blob (its file or connection) too.
    out.on('close', () => compressed.destroy());
    return compressed.pipe(out);
  }
}
