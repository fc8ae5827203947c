/**
 * Blob paths of an image layout (image-layout.md "Blobs": `blobs/<alg>/<encoded>`). A digest
 * becomes a path only after {@link parseSupportedDigest}, so `sha256:../../etc/passwd` fails with
 * INVALID_DIGEST before the filesystem is touched.
 */
import { join } from 'node:path';
import { type ParsedDigest, parseSupportedDigest, type SupportedAlgorithm } from '../digest/index.ts';

/** The folder of blobs inside a layout. */
export const BLOBS_DIR = 'blobs';

/** The folder, inside a layout, where blobs are written before they are verified and renamed. */
export const INGEST_DIR = '.ocikit-ingest';

/** Algorithms whose folders the store reads and sweeps. */
export const STORE_ALGORITHMS: readonly SupportedAlgorithm[] = ['sha256', 'sha512'];

/** The path of a blob in the layout at `root`; throws INVALID_DIGEST / UNSUPPORTED_DIGEST first. */
export function blobPath(root: string, digest: string): string {
  return parsedBlobPath(root, parseSupportedDigest(digest));
}

/** The path of an already parsed, supported digest. */
export function parsedBlobPath(root: string, parsed: ParsedDigest): string {
  return join(root, BLOBS_DIR, parsed.algorithm, parsed.encoded);
}
