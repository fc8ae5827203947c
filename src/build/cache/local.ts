/**
 * The local build cache: an OCI image layout (default `$XDG_CACHE_HOME/ocikit/build`). Each step
 * that writes a layer is stored as a one-layer image tagged `step-<key>` (a step that turned out
 * to change nothing, as a zero-layer image), so the cache is an ordinary layout that `ocikit gc`
 * and `ocikit fsck` understand and that can be pushed to a registry as is.
 *
 * New layers are stored uncompressed, and gzip-compressed only when an image that is written
 * out (or pushed to a cache repository) holds them: the layers of intermediate stages are never
 * compressed, which is most of a multi-stage build's time otherwise. A compressed form is
 * remembered under `gzip-<diffid>`, so a rebuild compresses nothing again (unless told not to
 * reuse them: `--no-cache` makes every blob anew, which also repairs a damaged one).
 *
 * Every blob is verified against its digest as it is read. An entry whose uncompressed layer is
 * not its recorded DiffID is a miss; a compressed layer's DiffID is checked where the entry came
 * from elsewhere (a cache repository: {@link LocalCache.matchesDiffId}).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { compressStream } from '../../compress/compress.ts';
import type { Digest } from '../../digest/index.ts';
import { digestBytes, Hasher, parseSupportedDigest } from '../../digest/index.ts';
import { ErrorCode, isOciError } from '../../errors/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import {
  type Descriptor,
  DOCKER,
  OCI,
  type Platform,
  parseManifest,
  serializeJson,
} from '../../spec/index.ts';
import { initLayout, type OciLayout } from '../../store/index.ts';
import { type LayerRef, openUncompressed } from '../layers.ts';
import { cacheTag } from './keys.ts';

/** Layer media types whose blob is the tar itself (its digest is its DiffID). */
const UNCOMPRESSED = new Set<string>([OCI.layer, DOCKER.layer]);

/** What a cached step produced. */
export interface CachedStep {
  /** The layer it wrote; undefined for a step that changed nothing. */
  readonly layer?: LayerRef;
}

/** The default cache directory: `$XDG_CACHE_HOME/ocikit/build`, else `~/.cache/ocikit/build`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== ''
      ? env.XDG_CACHE_HOME
      : join(homedir(), '.cache');
  return join(base, 'ocikit', 'build');
}

/** The local cache over one layout directory. */
export class LocalCache {
  readonly dir: string;
  private readonly layout: OciLayout;
  /** Compressions under way or done in this process, by DiffID (each layer is compressed once). */
  private readonly compressing = new Map<string, Promise<LayerRef>>();

  /** Whether compressed forms recorded by earlier builds are used. */
  private readonly reuseCompressed: boolean;

  private constructor(dir: string, layout: OciLayout, reuseCompressed: boolean) {
    this.dir = dir;
    this.layout = layout;
    this.reuseCompressed = reuseCompressed;
  }

  /**
   * Opens (creating when missing) the cache layout at `dir`. `reuseCompressed: false` compresses
   * every layer anew instead of using the forms earlier builds recorded (default true).
   */
  static async open(dir: string, options: { reuseCompressed?: boolean } = {}): Promise<LocalCache> {
    return new LocalCache(dir, await initLayout(dir), options.reuseCompressed !== false);
  }

  /** True when `layer`'s uncompressed content hashes to its DiffID (the whole layer is read). */
  async matchesDiffId(layer: LayerRef, options: OperationOptions = {}): Promise<boolean> {
    const hasher = new Hasher(parseSupportedDigest(layer.diffId).algorithm);
    for await (const chunk of await openUncompressed(layer, options)) hasher.update(chunk as Buffer);
    return hasher.digest() === layer.diffId;
  }

  /** Drops step `key` from the cache (its blobs stay until `ocikit gc`). */
  async forget(key: string): Promise<void> {
    await this.layout.untag(cacheTag(key));
  }

  /** A layer stored in the cache, read back verified. */
  layerRef(descriptor: Descriptor, diffId: Digest): LayerRef {
    const layout = this.layout;
    return {
      descriptor,
      diffId,
      open: (options?: OperationOptions) => layout.get(descriptor, options),
    };
  }

  /** The step stored under `key`, or undefined (a missing or damaged entry is a miss). */
  lookup(key: string): Promise<CachedStep | undefined> {
    return this.lookupTag(cacheTag(key));
  }

  /** Records what step `key` produced (tagging a small image of it). */
  record(key: string, step: CachedStep, platform: Platform): Promise<void> {
    return this.recordTag(cacheTag(key), step, platform);
  }

  /** Makes step `key` refer to the gzip form of its layer (before it is pushed to a registry). */
  async compressStep(key: string, platform: Platform, options: OperationOptions = {}): Promise<void> {
    const step = await this.lookup(key);
    if (step?.layer === undefined || step.layer.descriptor.mediaType !== OCI.layer) return;
    await this.record(key, { layer: await this.compressedLayer(step.layer, platform, options) }, platform);
  }

  private async lookupTag(tag: string): Promise<CachedStep | undefined> {
    let descriptor: Descriptor;
    try {
      descriptor = await this.layout.resolve(tag);
    } catch (err) {
      if (isOciError(err, ErrorCode.NOT_FOUND)) return undefined;
      throw err;
    }
    try {
      const document = await this.layout.readDocument(descriptor);
      if (document.kind !== 'manifest') return undefined;
      const layer = document.value.layers[0];
      if (layer === undefined) return {};
      const configBytes = await this.layout.readBytes(document.value.config);
      const config = JSON.parse(configBytes.toString('utf8')) as { rootfs?: { diff_ids?: Digest[] } };
      const diffId = config.rootfs?.diff_ids?.[0];
      if (diffId === undefined || !(await this.layout.has(layer))) return undefined;
      // An uncompressed layer's digest is its DiffID: anything else is a poisoned entry.
      if (UNCOMPRESSED.has(layer.mediaType) && layer.digest !== diffId) return undefined;
      return { layer: this.layerRef(layer, diffId) };
    } catch (err) {
      if (isOciError(err)) return undefined;
      throw err;
    }
  }

  /** Stores an uncompressed layer tar in the cache's blobs (its digest is its DiffID). */
  async storeLayer(tar: Readable, options: OperationOptions = {}): Promise<LayerRef> {
    const stored = await this.layout.ingest(tar, {}, options);
    return this.layerRef({ mediaType: OCI.layer, digest: stored.digest, size: stored.size }, stored.digest);
  }

  /**
   * The gzip form of a layer this cache stored uncompressed (made once, then found again under
   * `gzip-<diffid>`); any other layer as it is.
   */
  compressedLayer(layer: LayerRef, platform: Platform, options: OperationOptions = {}): Promise<LayerRef> {
    if (layer.descriptor.mediaType !== OCI.layer) return Promise.resolve(layer);
    let pending = this.compressing.get(layer.diffId);
    if (pending === undefined) {
      pending = this.compress(layer, platform, options);
      this.compressing.set(layer.diffId, pending);
      pending.catch(() => this.compressing.delete(layer.diffId));
    }
    return pending;
  }

  private async compress(layer: LayerRef, platform: Platform, options: OperationOptions): Promise<LayerRef> {
    if (layer.descriptor.mediaType !== OCI.layer || !(await this.layout.has(layer.descriptor))) return layer;
    const tag = `gzip-${layer.diffId.slice(layer.diffId.indexOf(':') + 1)}`;
    const known = this.reuseCompressed ? await this.lookupTag(tag) : undefined;
    if (known?.layer !== undefined) return known.layer;
    // The source is verified against its digest (its DiffID) as it is read: no second hash of it.
    options.signal?.throwIfAborted();
    const source = await this.layout.get(layer.descriptor, options);
    // A compressor made with an aborted signal fails before anything listens: check first.
    if (options.signal?.aborted) {
      source.destroy();
      options.signal.throwIfAborted();
    }
    const output = pipeline(
      source,
      compressStream('gzip', options.signal === undefined ? {} : { signal: options.signal }),
      () => {},
    );
    const stored = await this.layout.ingest(output, {}, options);
    const compressed = this.layerRef(
      { mediaType: OCI.layerGzip, digest: stored.digest, size: stored.size },
      layer.diffId,
    );
    await this.recordTag(tag, { layer: compressed }, platform);
    return compressed;
  }

  private async recordTag(tag: string, step: CachedStep, platform: Platform): Promise<void> {
    const config = serializeJson({
      architecture: platform.architecture,
      os: platform.os,
      rootfs: { type: 'layers', diff_ids: step.layer === undefined ? [] : [step.layer.diffId] },
    });
    await this.layout.putBytes(config);
    const manifest = parseManifest(
      serializeJson({
        schemaVersion: 2,
        mediaType: OCI.manifest,
        config: { mediaType: OCI.config, digest: digestBytes(config), size: config.byteLength },
        layers: step.layer === undefined ? [] : [step.layer.descriptor],
      }),
    );
    await this.layout.putBytes(manifest.bytes, manifest.digest);
    await this.layout.tag(tag, {
      mediaType: OCI.manifest,
      digest: manifest.digest,
      size: manifest.bytes.byteLength,
    });
  }
}
