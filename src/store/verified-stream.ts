/**
 * A mark on streams that verify their own bytes, so ingest need not hash them a second time (one
 * sha256 pass is a fifth of a pull's CPU). A marked stream promises: it emits each chunk only after
 * feeding it to a verifier of `digest`; it errors as soon as more than `size` bytes pass; and it
 * ends only when exactly `size` bytes with that digest passed — otherwise it errors instead of
 * ending. Ingest still counts the bytes it receives and refuses anything but `size` of them, so a
 * marked stream that was partly read elsewhere, or cut short, is never stored.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../digest/index.ts';

/** What a marked stream verifies. */
export interface VerifiedContent {
  digest: Digest;
  size: number;
}

const marks = new WeakMap<object, VerifiedContent>();

/** Marks `stream` as verifying its bytes against `expected` (see the module comment for the promise). */
export function markVerified(stream: Readable, expected: VerifiedContent): void {
  marks.set(stream, { digest: expected.digest, size: expected.size });
}

/** True when `content` is marked as verifying exactly `digest` and `size`. */
export function verifiesItself(content: object, digest: string, size: number | undefined): boolean {
  const mark = marks.get(content);
  return mark !== undefined && size !== undefined && mark.digest === digest && mark.size === size;
}
