/**
 * Cache keys of build steps (issue "Cache"): a step's key hashes its parent's key, the
 * instruction after expansion, and whatever else decides its result (the fingerprint of the files
 * it reads, the stage it copies from, the timestamp setting). Keys are hex sha256 of a JSON array,
 * so every part is delimited and no two different inputs share a key.
 */
import { createHash } from 'node:crypto';

/** Changes whenever the layers this build writes change for the same inputs. */
export const CACHE_FORMAT = 'ocikit-build-cache-2';

/** A step key: hex sha256 over the format version and the parts. */
export function stepKey(parts: readonly unknown[]): string {
  return createHash('sha256')
    .update(JSON.stringify([CACHE_FORMAT, ...parts]))
    .digest('hex');
}

/** The tag a step's result is stored under, in the local layout and in a cache repository. */
export function cacheTag(key: string): string {
  return `step-${key}`;
}
