/**
 * Verification of untrusted bytes against an expected digest and size (descriptor.md
 * "Verification"): the size is enforced as bytes arrive, the digest when they end.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { ErrorCode, OciError } from '../errors/index.ts';
import { type Digest, parseSupportedDigest } from './digest.ts';
import { Hasher } from './hash.ts';

/** What the bytes must hash to, and how many there must be (size may be omitted when unknown). */
export interface Expected {
  digest: Digest | string;
  size?: number;
}

/** The error for bytes whose count differs from the expected size. */
export function sizeMismatch(expected: Expected, actual: number, more = false): OciError {
  return new OciError(
    ErrorCode.SIZE_MISMATCH,
    `size mismatch for ${expected.digest}: expected ${expected.size} bytes, got ${more ? 'more than ' : ''}${actual}`,
    { data: { digest: expected.digest, expectedSize: expected.size, actualSize: actual } },
  );
}

/** The error for bytes whose digest differs from the expected one. */
export function digestMismatch(expected: Expected, actual: Digest): OciError {
  return new OciError(
    ErrorCode.DIGEST_MISMATCH,
    `digest mismatch: expected ${expected.digest}, got ${actual}`,
    {
      data: { expected: expected.digest, actual },
    },
  );
}

/** Tracks bytes against an expectation; `check` throws on the first violation. */
export class Verifier {
  private readonly hasher: Hasher;
  private readonly expected: Expected;

  constructor(expected: Expected) {
    this.expected = expected;
    this.hasher = new Hasher(parseSupportedDigest(expected.digest).algorithm);
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.hasher.size;
  }

  /** Feeds a chunk; throws SIZE_MISMATCH as soon as the expected size is exceeded. */
  update(chunk: Uint8Array): void {
    this.hasher.update(chunk);
    if (this.expected.size !== undefined && this.hasher.size > this.expected.size) {
      throw sizeMismatch(this.expected, this.hasher.size, true);
    }
  }

  /** Ends verification: throws SIZE_MISMATCH or DIGEST_MISMATCH, or returns the digest. */
  finish(): Digest {
    const actual = this.hasher.digest();
    if (this.expected.size !== undefined && this.hasher.size !== this.expected.size) {
      throw sizeMismatch(this.expected, this.hasher.size);
    }
    if (actual !== this.expected.digest) throw digestMismatch(this.expected, actual);
    return actual;
  }
}

/** A pass-through stream that errors (before its end) if the bytes do not match `expected`. */
export function verifyingStream(expected: Expected): Transform {
  const verifier = new Verifier(expected);
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      try {
        verifier.update(chunk);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        verifier.finish();
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

/** Yields the chunks of `source` unchanged, throwing at the end if they do not match `expected`. */
export async function* verifyChunks(
  source: AsyncIterable<Uint8Array>,
  expected: Expected,
): AsyncGenerator<Uint8Array> {
  const verifier = new Verifier(expected);
  for await (const chunk of source) {
    verifier.update(chunk);
    yield chunk;
  }
  verifier.finish();
}

/** Checks an in-memory byte string against `expected`, throwing on mismatch. */
export function verifyBytes(bytes: Uint8Array, expected: Expected): void {
  const verifier = new Verifier(expected);
  verifier.update(bytes);
  verifier.finish();
}
