/** The empty blob `{}` and its descriptor (manifest.md "Guidance for an Empty Descriptor"). */
import type { Digest } from '../digest/index.ts';
import { EMPTY_JSON_DIGEST, OCI } from './media-types.ts';
import type { Descriptor } from './types.ts';

/** The two bytes `{}` of the empty JSON blob (a fresh copy on each call, so nobody can alter the shared one). */
export function emptyJsonBytes(): Uint8Array {
  return new Uint8Array([0x7b, 0x7d]);
}

/** The empty descriptor, with its content embedded as `data` (base64 of `{}`); frozen. */
export const EMPTY_DESCRIPTOR: Readonly<Descriptor> = Object.freeze({
  mediaType: OCI.empty,
  digest: EMPTY_JSON_DIGEST as Digest,
  size: 2,
  data: 'e30=',
});
