/**
 * One pass over a layer that yields both of its digests (spec-checklist §10.9): the DiffID, over
 * the uncompressed tar exactly as it streams, and the layer digest and size, over the compressed
 * bytes a manifest describes.
 */
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import { type Digest, Hasher } from '../digest/index.ts';
import { toOciError } from '../errors/index.ts';
import { type CompressOptions, compressStream } from './compress.ts';
import { decompressStream } from './decompress.ts';
import type { Compression } from './kinds.ts';

/** Both digests of a layer. */
export interface LayerDigests {
  /** sha256 of the uncompressed bytes (config `rootfs.diff_ids`). */
  diffId: Digest;
  /** Size of the uncompressed bytes. */
  uncompressedSize: number;
  /** sha256 of the compressed bytes (the layer descriptor's `digest`). */
  digest: Digest;
  /** Size of the compressed bytes (the layer descriptor's `size`). */
  size: number;
}

/** Both digests of a layer that was read, and the compression its bytes were in. */
export interface ReadLayerDigests extends LayerDigests {
  compression: Compression;
}

/** A stream of output bytes and, once they have all passed, the digests. */
export interface DigestingStream<T> {
  /** The bytes to consume; the result settles only as they are read. */
  output: Readable;
  /** Resolves when every byte has passed; rejects with an OciError when the pipeline fails. */
  result: Promise<T>;
}

/** A pass-through that hashes what flows by and reports when the flow has ended. */
class HashingTap extends Transform {
  readonly hasher = new Hasher();
  private readonly onEnd: () => void;

  constructor(onEnd: () => void = () => {}) {
    super({ highWaterMark: 1 << 20 });
    this.onEnd = onEnd;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hasher.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.onEnd();
    callback();
  }
}

function settleable<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Callers that only consume `output` see failures there; do not also report them as unhandled.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * Compresses an uncompressed tar stream as `kind`, hashing the input (DiffID) and the output
 * (layer digest) in the same pass.
 */
export function compressAndDigest(
  input: Readable | AsyncIterable<Uint8Array>,
  kind: Compression,
  options: CompressOptions = {},
): DigestingStream<LayerDigests> {
  const { promise, resolve, reject } = settleable<LayerDigests>();
  const uncompressed = new HashingTap();
  const compressed = new HashingTap(() =>
    resolve({
      diffId: uncompressed.hasher.digest(),
      uncompressedSize: uncompressed.hasher.size,
      digest: compressed.hasher.digest(),
      size: compressed.hasher.size,
    }),
  );
  const output = pipeline(input, uncompressed, compressStream(kind, options), compressed, (err) => {
    if (err) reject(toOciError(err));
  });
  return { output, result: promise };
}

/**
 * Decompresses a layer whatever its compression (sniffed from the bytes), hashing the compressed
 * input (layer digest) and the decompressed output (DiffID) in the same pass.
 */
export function decompressAndDigest(
  input: Readable | AsyncIterable<Uint8Array>,
  options: { signal?: AbortSignal } = {},
): DigestingStream<ReadLayerDigests> {
  const { promise, resolve, reject } = settleable<ReadLayerDigests>();
  const compressed = new HashingTap();
  const decoder = decompressStream(options);
  const uncompressed = new HashingTap(() =>
    resolve({
      diffId: uncompressed.hasher.digest(),
      uncompressedSize: uncompressed.hasher.size,
      digest: compressed.hasher.digest(),
      size: compressed.hasher.size,
      compression: decoder.compression ?? 'none',
    }),
  );
  const output = pipeline(input, compressed, decoder, uncompressed, (err) => {
    if (err) reject(toOciError(err));
  });
  return { output, result: promise };
}
