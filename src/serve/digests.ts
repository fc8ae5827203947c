/** Digests from URLs and query strings, refused with the spec's DIGEST_INVALID before any file is named. */
import { type Digest, parseSupportedDigest } from '../digest/index.ts';
import { SpecCode, serveError } from './errors.ts';

/** Parses a digest the server can store (sha256, sha512); 400 DIGEST_INVALID otherwise. */
export function requireDigest(value: string | null | undefined): Digest {
  if (value === null || value === undefined || value === '') {
    throw serveError(SpecCode.DIGEST_INVALID, 400, 'a digest is required');
  }
  try {
    return parseSupportedDigest(value).digest;
  } catch (err) {
    throw Object.assign(
      serveError(SpecCode.DIGEST_INVALID, 400, `invalid digest: ${(err as Error).message}`, {
        digest: value.slice(0, 200),
      }),
      { cause: err },
    );
  }
}

/** True when a reference in a URL has the shape of a digest (`alg:encoded`), not a tag. */
export function looksLikeDigest(reference: string): boolean {
  return reference.includes(':');
}
