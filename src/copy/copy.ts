/**
 * The copy engine (DESIGN.md §1.6): walks the index/manifest DAG of a source and writes it to a
 * sink — blobs the sink has are skipped, cross-repository mounts are tried, blob transfers run
 * with bounded parallelism, and manifests are written last, children before parents. Nothing is
 * re-serialised unless a conversion was asked for, so digests are preserved.
 */
import type { Digest } from '../digest/index.ts';
import { ErrorCode, isOciError, OciError } from '../errors/index.ts';
import { limiter } from '../image/limit.ts';
import type { BlobProgress, ImageSink, ImageSource, OperationOptions } from '../image/types.ts';
import {
  type Descriptor,
  DOCKER,
  type ImageIndex,
  isNondistributable,
  OCI,
  type Platform,
  parseIndex,
  parseManifest,
  parseTopDocument,
  serializeJson,
  type TopDocument,
} from '../spec/index.ts';
import {
  type Compression,
  convertManifest,
  declaredCompression,
  formatOf,
  type ImageFormat,
  layerMediaType,
} from './convert.ts';
import { spoolRecompressed } from './recompress.ts';

/**
 * Blob transfers in flight at once by default: enough for the config and the layers of a typical
 * image to move together (with 4, a five-blob image waited for a slot: ~10% slower on loopback).
 */
export const DEFAULT_COPY_JOBS = 6;

/** True for an abort, raw or as an OciError. */
function isAbort(err: unknown): boolean {
  return isOciError(err, ErrorCode.ABORTED) || (err instanceof Error && err.name === 'AbortError');
}

/** How deep indexes may nest in a copy (the same bound platform selection uses). */
const MAX_INDEX_DEPTH = 8;

/** What a copy should do beyond a byte-for-byte transfer. */
export interface CopyOptions extends OperationOptions {
  /**
   * For an index source: copy only the image for this platform (default: the host's). For a
   * single-platform image: the image must be for this platform (NO_MATCHING_PLATFORM otherwise).
   */
  platform?: Platform | string;
  /** For an index source: copy the whole index, every child first. */
  allPlatforms?: boolean;
  /** Convert manifests and media types to this format. */
  format?: ImageFormat;
  /** Re-compress every layer to this compression. */
  compression?: Compression;
  /** Blob transfers in flight at once (default {@link DEFAULT_COPY_JOBS}). */
  jobs?: number;
  /**
   * Called for every blob event: for each blob, `started` then `progress` (bytes written so far)
   * then `done`, or a single `skipped` or `mounted`. The engine reports a blob's start and end;
   * only the `progress` events of the sink's own reporting are passed on, so each blob is
   * reported once whatever the sink.
   */
  onProgress?: (event: BlobProgress) => void;
}

/** What a copy wrote. */
export interface CopyResult {
  /** The sink's name for what it wrote, e.g. `oci:./dir@sha256:...` or `host/repo@sha256:...`. */
  reference: string;
  digest: Digest;
  document: TopDocument;
}

/**
 * Copies the image or index a source names into a sink, converting only what the options ask.
 * What cannot be copied is refused before the first blob moves: a single image for another
 * platform than `platform` (NO_MATCHING_PLATFORM), a document the sink cannot hold (the sink's
 * `checkTop`, e.g. an index into a docker-archive: UNSUPPORTED).
 */
export async function copyImage(
  source: ImageSource,
  sink: ImageSink,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const top = await source.resolve({ signal: options.signal });
  const document = await readDocument(source, sink, top, { signal: options.signal });
  const selected = await selectDocument(source, sink, top, document, options);
  sink.checkTop?.(selected);
  const engine = new CopyEngine(source, sink, options);
  let written: TopDocument;
  try {
    written = await engine.copyDocument(selected);
  } catch (err) {
    await engine.stop();
    throw engine.failure(err);
  }
  const committed = await sink.commit(written, { signal: options.signal });
  return { reference: committed.reference, digest: committed.digest, document: written };
}

/**
 * A manifest or index: from the sink when it holds that digest already (verified there, and
 * parsed as the source would parse it under the descriptor's media type), else from the source.
 */
async function readDocument(
  source: ImageSource,
  sink: ImageSink,
  descriptor: Descriptor,
  options: OperationOptions,
): Promise<TopDocument> {
  const stored = await sink.storedDocument?.(descriptor, options);
  if (stored !== undefined) {
    try {
      return parseTopDocument(stored, { contentType: descriptor.mediaType });
    } catch {
      // What the sink holds does not parse under this media type: the source's answer decides.
    }
  }
  return source.manifest(descriptor, options);
}

/**
 * What to copy: the whole document, or for an index without `allPlatforms`, the image for the
 * platform. A single image asked for with a platform must be for it.
 */
async function selectDocument(
  source: ImageSource,
  sink: ImageSink,
  top: Descriptor,
  document: TopDocument,
  options: CopyOptions,
): Promise<TopDocument> {
  if (document.kind === 'manifest' && options.platform !== undefined) {
    const { checkImagePlatform } = await import('./platform-check.ts');
    await checkImagePlatform(source, top, document, options.platform, { signal: options.signal });
    return document;
  }
  if (document.kind === 'index' && !options.allPlatforms) {
    // Loaded only for an index: a single image is checked, never selected.
    const { selectManifest } = await import('../platform/index.ts');
    const chosen = await selectManifest(
      document.value,
      options.platform as Platform | undefined,
      async (d: Descriptor) => {
        const nested = await readDocument(source, sink, d, { signal: options.signal });
        if (nested.kind !== 'index')
          throw new OciError(ErrorCode.INVALID_DOCUMENT, `${d.digest} is not an index`);
        return nested.value;
      },
    );
    return readDocument(source, sink, chosen, { signal: options.signal });
  }
  return document;
}

class CopyEngine {
  private readonly source: ImageSource;
  private readonly sink: ImageSink;
  private readonly options: CopyOptions;
  private readonly run: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly blobs = new Map<string, Promise<void>>();
  private readonly copies = new Map<string, Promise<TopDocument>>();
  private readonly controller = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  /** The first failure that was not an abort: the root cause a failed copy reports. */
  private firstFailure: unknown;

  constructor(source: ImageSource, sink: ImageSink, options: CopyOptions) {
    this.source = source;
    this.sink = sink;
    this.options = options;
    const outer = options.signal;
    if (outer?.aborted) this.controller.abort(outer.reason);
    outer?.addEventListener('abort', () => this.controller.abort(outer.reason), { once: true });
    const limited = limiter(options.jobs ?? DEFAULT_COPY_JOBS);
    this.run = <T>(task: () => Promise<T>): Promise<T> => {
      const pending = limited(() => {
        this.signal.throwIfAborted();
        return task();
      });
      this.inflight.add(pending);
      const forget = (): void => {
        this.inflight.delete(pending);
      };
      pending.then(forget, (err: unknown) => {
        if (this.firstFailure === undefined && !isAbort(err)) this.firstFailure = err;
        forget();
      });
      return pending;
    };
  }

  /** Aborts every transfer of this copy (the caller's signal, or the first failure). */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Stops the copy after a failure: aborts the transfers still running and waits until every one
   * has settled, so nothing (a temp file, a half-sent upload) outlives the rejected copy.
   */
  async stop(): Promise<void> {
    this.controller.abort();
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * What a failed copy throws: the caller's abort as it is, otherwise the first real failure of
   * any transfer, never an abort that only followed from it.
   */
  failure(err: unknown): unknown {
    if (this.options.signal?.aborted) return err;
    return isAbort(err) && this.firstFailure !== undefined ? this.firstFailure : err;
  }

  /** Copies a manifest or index (children first) and returns the document as written. */
  async copyDocument(document: TopDocument, depth = 0): Promise<TopDocument> {
    const written =
      document.kind === 'index' ? await this.copyIndex(document, depth) : await this.copyManifest(document);
    await this.sink.putManifest(written, { signal: this.signal });
    return written;
  }

  /**
   * Fetches and copies the document a descriptor names, once per copy however many indexes list
   * it: a fan-out graph of indexes costs one read per document, not one per path.
   */
  private copyChild(descriptor: Descriptor, depth: number): Promise<TopDocument> {
    let pending = this.copies.get(descriptor.digest);
    if (pending === undefined) {
      pending = (async () => {
        const child = await this.run(() =>
          readDocument(this.source, this.sink, descriptor, { signal: this.signal }),
        );
        return this.copyDocument(child, depth);
      })();
      this.copies.set(descriptor.digest, pending);
    }
    return pending;
  }

  private async copyIndex(document: TopDocument & { kind: 'index' }, depth: number): Promise<TopDocument> {
    if (depth >= MAX_INDEX_DEPTH) {
      throw new OciError(
        ErrorCode.INVALID_DOCUMENT,
        `indexes nest deeper than ${MAX_INDEX_DEPTH} levels at ${document.digest}`,
      );
    }
    const index = document.value;
    const children = await Promise.all(
      index.manifests.map(async (descriptor) => ({
        descriptor,
        written: await this.copyChild(descriptor, depth + 1),
      })),
    );
    const changed = children.some((c) => c.written.digest !== c.descriptor.digest);
    const targetFormat = this.options.format;
    const formatChanges =
      targetFormat !== undefined &&
      (targetFormat === 'docker') !== (document.mediaType === DOCKER.manifestList);
    if (!changed && !formatChanges) return document;
    const manifests = children.map(({ descriptor, written }) => ({
      ...descriptor,
      mediaType: written.mediaType,
      digest: written.digest,
      size: written.bytes.byteLength,
    }));
    const format = targetFormat ?? (document.mediaType === DOCKER.manifestList ? 'docker' : 'oci');
    const converted: ImageIndex =
      format === 'docker'
        ? {
            schemaVersion: 2,
            mediaType: DOCKER.manifestList,
            manifests: manifests.map(({ mediaType, digest, size, platform }) => ({
              mediaType,
              digest,
              size,
              platform: platform ?? { architecture: 'unknown', os: 'unknown' },
            })),
          }
        : { ...index, mediaType: OCI.index, manifests };
    return parseIndex(serializeJson(converted));
  }

  private async copyManifest(document: TopDocument & { kind: 'manifest' }): Promise<TopDocument> {
    const manifest = document.value;
    const format = this.options.format ?? formatOf(manifest);
    const compression = this.options.compression;
    const needsConversion =
      format !== formatOf(manifest) ||
      (compression !== undefined && manifest.layers.some((l) => this.recompresses(l, compression)));
    const config = this.copyBlob(manifest.config);
    if (!needsConversion) {
      await Promise.all([config, ...manifest.layers.map((l) => this.copyLayerAsIs(l))]);
      return document;
    }
    const layers = await Promise.all(manifest.layers.map((l) => this.convertLayer(l, format, compression)));
    await config;
    return parseManifest(serializeJson(convertManifest(manifest, format, layers)));
  }

  private recompresses(layer: Descriptor, compression: Compression): boolean {
    const declared = declaredCompression(layer);
    return declared !== undefined && declared !== compression;
  }

  private async copyLayerAsIs(layer: Descriptor): Promise<void> {
    try {
      await this.copyBlob(layer);
    } catch (err) {
      // Non-distributable layers (with urls) may legitimately be absent from the source (layer.md).
      if (isNondistributable(layer.mediaType) && layer.urls?.length && isOciError(err, ErrorCode.NOT_FOUND))
        return;
      throw err;
    }
  }

  private async convertLayer(
    layer: Descriptor,
    format: ImageFormat,
    wanted?: Compression,
  ): Promise<Descriptor> {
    const declared = declaredCompression(layer);
    if (declared === undefined) {
      await this.copyLayerAsIs(layer);
      return layer;
    }
    const compression = wanted ?? declared;
    const mediaType = layerMediaType(format, compression, isNondistributable(layer.mediaType));
    if (compression === declared) {
      await this.copyLayerAsIs(layer);
      return { ...layer, mediaType };
    }
    return this.run(async () => {
      const input = await this.source.blob(layer, { signal: this.signal });
      const spooled = await spoolRecompressed(input, compression, mediaType, this.signal);
      try {
        const descriptor = { ...layer, ...spooled.descriptor };
        if (await this.sink.hasBlob(descriptor, { signal: this.signal })) {
          this.report(descriptor, 'skipped', descriptor.size);
        } else {
          this.report(descriptor, 'started', 0);
          await this.sink.putBlob(descriptor, spooled.open(), {
            signal: this.signal,
            onProgress: this.bytesReported,
          });
          this.report(descriptor, 'done', descriptor.size);
        }
        return descriptor;
      } finally {
        await spooled.dispose();
      }
    });
  }

  /** Transfers one blob once per copy, however many manifests share it. */
  private copyBlob(descriptor: Descriptor): Promise<void> {
    let pending = this.blobs.get(descriptor.digest);
    if (pending === undefined) {
      pending = this.run(() => this.transfer(descriptor));
      this.blobs.set(descriptor.digest, pending);
    }
    return pending;
  }

  /** Reports one lifecycle event of a blob. */
  private report(descriptor: Descriptor, state: BlobProgress['state'], done: number): void {
    this.options.onProgress?.({
      digest: descriptor.digest,
      mediaType: descriptor.mediaType,
      total: descriptor.size,
      done,
      state,
    });
  }

  /**
   * What a sink reports to: its byte counts only. Sinks may report a blob's start and end too
   * (a registry upload does); those the engine reports itself, once.
   */
  private get bytesReported(): ((event: BlobProgress) => void) | undefined {
    const { onProgress } = this.options;
    if (onProgress === undefined) return undefined;
    return (event) => {
      if (event.state === 'progress') onProgress(event);
    };
  }

  private async transfer(descriptor: Descriptor): Promise<void> {
    const signal = this.signal;
    const event = (state: BlobProgress['state'], done: number): void => this.report(descriptor, state, done);
    if (await this.sink.hasBlob(descriptor, { signal })) {
      event('skipped', descriptor.size);
      return;
    }
    if (this.sink.mountBlob && (await this.sink.mountBlob(descriptor, this.source, { signal }))) {
      event('mounted', descriptor.size);
      return;
    }
    event('started', 0);
    const content = await this.source.blob(descriptor, { signal });
    // The engine owns the stream it opened. Its errors reach the sink through the sink's own
    // reading; this listener only keeps an error raised while nobody reads (the download aborted
    // before the sink began, or after it gave up) from being an unhandled 'error' event.
    content.on('error', () => {});
    try {
      await this.sink.putBlob(descriptor, content, { signal, onProgress: this.bytesReported });
    } finally {
      content.destroy();
    }
    event('done', descriptor.size);
  }
}
