/**
 * skopeo's `dir:` folder format (containers/image `directory` transport, version 1.1): a folder
 * holding `version` (`Directory Transport Version: 1.1\n`), `manifest.json` (the top manifest or
 * index, exact bytes), `<hex>.manifest.json` for each other manifest of an index, every blob
 * (layers and config) in a file named by the hex of its digest, and simple-signing signatures
 * `signature-1`, `signature-2`, … (`<hex>.signature-N` for a child manifest).
 */
import { join } from 'node:path';
import { parseSupportedDigest } from '../../digest/index.ts';

/** The exact bytes of the `version` file this format writes and reads. */
export const DIR_VERSION = 'Directory Transport Version: 1.1\n';
/** The version file's name. */
export const VERSION_FILE = 'version';
/** The top manifest's file name. */
export const MANIFEST_FILE = 'manifest.json';
/** Largest signature file read (simple-signing signatures are a few hundred bytes). */
export const MAX_SIGNATURE_BYTES = 4 * 1024 * 1024;
/** Most signatures read per manifest. */
export const MAX_SIGNATURES = 64;

/**
 * The hex part of `digest`, checked against the digest grammar and a registered algorithm, so a
 * file name made from it can never be `..`, hold a `/`, or be anything but hex.
 */
export function digestHex(digest: string): string {
  return parseSupportedDigest(digest).encoded;
}

/** The file holding the blob `digest` in the folder `dir`. */
export function blobFile(dir: string, digest: string): string {
  return join(dir, digestHex(digest));
}

/** The file holding the manifest `digest` (a child of the top index), or the top one. */
export function manifestFile(dir: string, digest?: string): string {
  return join(dir, digest === undefined ? MANIFEST_FILE : `${digestHex(digest)}.manifest.json`);
}

/** The file of signature number `n` (1-based) of the top manifest, or of the child `digest`. */
export function signatureFile(dir: string, n: number, digest?: string): string {
  return join(dir, digest === undefined ? `signature-${n}` : `${digestHex(digest)}.signature-${n}`);
}
