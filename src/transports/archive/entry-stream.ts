/** Verified streams and reads of tar entries (DESIGN.md §1.3: every byte from outside is untrusted). */
import type { Readable } from 'node:stream';
import { type Expected, verifyBytes, verifyingStream } from '../../digest/index.ts';
import type { TarEntry, TarIndex } from './tar-index.ts';

/** Streams an entry's data, erroring before its end with DIGEST_MISMATCH / SIZE_MISMATCH on a mismatch. */
export function verifiedEntryStream(
  tar: TarIndex,
  entry: TarEntry,
  expected: Expected,
  signal?: AbortSignal,
): Readable {
  const raw = tar.stream(entry, { signal });
  const verified = verifyingStream(expected);
  raw.on('error', (err) => verified.destroy(err));
  verified.on('close', () => {
    if (!raw.destroyed) raw.destroy();
  });
  return raw.pipe(verified);
}

/** Reads a whole entry (at most `maxBytes`) and checks it against `expected`. */
export async function readVerifiedEntry(
  tar: TarIndex,
  entry: TarEntry,
  expected: Expected,
  maxBytes: number,
): Promise<Buffer> {
  const bytes = await tar.read(entry, maxBytes);
  verifyBytes(bytes, expected);
  return bytes;
}
