/**
 * The content store contract (DESIGN.md §1.3): content-addressed blobs that are verified before
 * they become visible, and verified again while they are read.
 */
import type { Readable } from 'node:stream';
import type { Digest, SupportedAlgorithm } from '../digest/index.ts';
import type { OperationOptions } from '../image/types.ts';

/** A blob as the store holds it. */
export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** What an ingested stream must turn out to be; with no digest, the blob is named after its own hash. */
export interface IngestExpectation {
  /** The digest the bytes must hash to (checked against the grammar before any file is created). */
  digest?: string;
  /** The exact byte count; exceeding it fails as soon as it happens. */
  size?: number;
  /** Hash algorithm when no digest is given (default sha256). */
  algorithm?: SupportedAlgorithm;
}

/** Options of an ingest. */
export interface IngestOptions extends OperationOptions {
  /** Called after each write with the bytes written so far. */
  onProgress?: (written: number) => void;
}

/** A content-addressed blob store. Digests are untrusted input: each is parsed before it names a file. */
export interface ContentStore {
  /** The size of a stored blob, or undefined when it is absent. */
  stat(digest: string): Promise<number | undefined>;
  /** A stream of the blob that errors before its end on a digest or size mismatch; NOT_FOUND when absent. */
  get(descriptor: { digest: string; size?: number }, options?: OperationOptions): Promise<Readable>;
  /**
   * Writes a stream to a temp file inside the store while hashing it, fsyncs, verifies digest and
   * size, then renames it into place. On any failure nothing becomes visible and the temp is removed.
   */
  ingest(
    content: Readable | AsyncIterable<Uint8Array>,
    expected?: IngestExpectation,
    options?: IngestOptions,
  ): Promise<BlobInfo>;
  /** Stores an in-memory blob, verified against `expectedDigest` when given. */
  putBytes(bytes: Uint8Array, expectedDigest?: string): Promise<BlobInfo>;
  /** Removes a blob; false when it was absent. */
  delete(digest: string): Promise<boolean>;
  /** Every stored blob with a registered algorithm, in no particular order. */
  walk(): AsyncIterable<BlobInfo>;
}
