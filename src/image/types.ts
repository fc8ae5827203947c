/**
 * The model every transport produces or consumes (DESIGN.md §1.1). A transport implements a
 * small core — {@link ImageSource} to read, {@link ImageSink} to write — and shared helpers derive
 * the lazy {@link Image} / {@link Index} / {@link Layer} views from a source.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../digest/index.ts';
import type {
  Descriptor,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  Parsed,
  Platform,
  TopDocument,
} from '../spec/types.ts';

/** Options every long operation takes. */
export interface OperationOptions {
  signal?: AbortSignal;
}

/** Progress of one blob transfer. */
export interface BlobProgress {
  digest: Digest;
  mediaType: string;
  total: number;
  done: number;
  state: 'started' | 'progress' | 'skipped' | 'mounted' | 'done';
}

/** Options for blob transfers. */
export interface BlobOptions extends OperationOptions {
  onProgress?: (event: BlobProgress) => void;
}

/**
 * The read side of a transport. Every stream it returns is verified: it errors before its end
 * with DIGEST_MISMATCH or SIZE_MISMATCH when the bytes do not match the descriptor.
 */
export interface ImageSource {
  /** A human-readable name of the source, e.g. `oci:./layout:app`. */
  readonly name: string;
  /** The descriptor of the top document (index or manifest) the reference names. */
  resolve(options?: OperationOptions): Promise<Descriptor>;
  /** Fetches, verifies and parses a manifest or index. */
  manifest(descriptor: Descriptor, options?: OperationOptions): Promise<TopDocument>;
  /** Opens a verified stream of a blob's bytes. */
  blob(descriptor: Descriptor, options?: BlobOptions): Promise<Readable>;
  /** Releases resources (temp dirs, connections). Idempotent. */
  close(): Promise<void>;
}

/** The write side of a transport. Nothing becomes visible until it has been verified. */
export interface ImageSink {
  readonly name: string;
  /** True when the sink already holds this blob, so a copy can skip it. */
  hasBlob(descriptor: Descriptor, options?: OperationOptions): Promise<boolean>;
  /** Stores a blob from a stream, verifying digest and size before it becomes visible. */
  putBlob(descriptor: Descriptor, content: Readable, options?: BlobOptions): Promise<void>;
  /**
   * Tries to make a blob available without transferring it (a registry cross-repository mount).
   * Returns false when the sink cannot, and the caller then uploads it.
   */
  mountBlob?(descriptor: Descriptor, from: ImageSource, options?: OperationOptions): Promise<boolean>;
  /**
   * The bytes of a manifest or index the sink already holds under the descriptor's digest and
   * size, verified against them; undefined when it does not hold it. A copy reads such a document
   * here instead of asking the source again (a warm pull sends one request fewer, and a registry
   * that counts manifest GETs as pulls counts none). Absent: documents always come from the source.
   */
  storedDocument?(descriptor: Descriptor, options?: OperationOptions): Promise<Uint8Array | undefined>;
  /**
   * Throws (UNSUPPORTED) when the sink cannot store this top document at all, e.g. an index in a
   * format that holds single images; a copy asks before it writes anything. Absent: any document.
   */
  checkTop?(top: TopDocument): void;
  /** Stores a manifest or index by digest; children must be stored first. */
  putManifest(document: TopDocument, options?: OperationOptions): Promise<void>;
  /** Names the top document (tag, archive entry) and finishes the write. Returns what was written. */
  commit(top: TopDocument, options?: OperationOptions): Promise<{ reference: string; digest: Digest }>;
  /** Releases resources; an uncommitted sink leaves nothing visible but verified blobs. Idempotent. */
  close(): Promise<void>;
}

/** A layer of an image: the compressed blob, and its uncompressed tar stream. */
export interface Layer {
  /** The descriptor of the (usually compressed) blob as the manifest lists it. */
  readonly descriptor: Descriptor;
  /** The digest of the uncompressed tar (config.md DiffID). */
  diffId(options?: OperationOptions): Promise<Digest>;
  /** The blob bytes, verified against the descriptor. */
  compressed(options?: BlobOptions): Promise<Readable>;
  /** The uncompressed tar stream (compression sniffed from magic bytes, not trusted from the media type). */
  uncompressed(options?: BlobOptions): Promise<Readable>;
}

/** A single-platform image: a manifest, its config and its layers. */
export interface Image {
  readonly kind: 'image';
  readonly descriptor: Descriptor;
  readonly document: Parsed<ImageManifest>;
  /** The config document (lazy, memoised, verified). */
  config(options?: OperationOptions): Promise<Parsed<ImageConfig>>;
  /** The layers in stack order (base first). */
  layers(): Layer[];
  /** The source the image reads from. */
  readonly source: ImageSource;
}

/** A multi-platform index. */
export interface Index {
  readonly kind: 'index';
  readonly descriptor: Descriptor;
  readonly document: Parsed<ImageIndex>;
  /** Opens the child a descriptor names (an image or a nested index). */
  child(descriptor: Descriptor, options?: OperationOptions): Promise<Image | Index>;
  /** Picks the best image for a platform, recursing into nested indexes. */
  image(platform?: Platform | string, options?: OperationOptions): Promise<Image>;
  readonly source: ImageSource;
}
