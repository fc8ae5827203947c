/** zstd through node:zlib (Node 22.15+), with no native addon to build (DESIGN.md §4). */
import { once } from 'node:events';
import { addAbortSignal, Duplex } from 'node:stream';
import type { ZstdCompress } from 'node:zlib';
// A namespace, not named imports: on a Node without zstd those would fail to link before the
// version check in src/errors/node-version.ts could say why.
import * as zlib from 'node:zlib';
import { integerOption } from './options.ts';

/** Options of the zstd compressor. */
export interface ZstdOptions {
  /** zstd level 1..22 (default 3, as the `zstd` command). */
  level?: number;
  /** Aborts the stream, destroying it with an AbortError. */
  signal?: AbortSignal;
}

/** Default zstd level, the same as the `zstd` command. */
export const DEFAULT_ZSTD_LEVEL = 3;

const CHUNK_SIZE = 128 * 1024;

/**
 * node:zlib's zstd compressor finishes the frame together with the last chunk when `end()` comes
 * while that chunk still waits, and zstd then tunes the frame to the known size: the bytes would
 * depend on timing. This relay hands over one chunk at a time and ends with an empty finish, so
 * equal input always gives equal bytes.
 */
class DeterministicZstd extends Duplex {
  private readonly inner: ZstdCompress;

  constructor(level: number) {
    super({ readableHighWaterMark: CHUNK_SIZE });
    const inner = zlib.createZstdCompress({
      chunkSize: CHUNK_SIZE,
      params: { [zlib.constants.ZSTD_c_compressionLevel]: level, [zlib.constants.ZSTD_c_checksumFlag]: 1 },
    });
    inner.on('data', (data: Buffer) => {
      if (!this.push(data)) inner.pause();
    });
    inner.on('error', (err) => this.destroy(err));
    this.inner = inner;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.inner.write(chunk, (err) => callback(err));
  }

  override _final(callback: (error?: Error | null) => void): void {
    once(this.inner, 'end').then(
      () => {
        this.push(null);
        callback();
      },
      (err: Error) => callback(err),
    );
    this.inner.end();
  }

  override _read(): void {
    this.inner.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy();
    callback(error);
  }
}

/**
 * A stream that compresses its input into one zstd frame (RFC 8878) with a content checksum; the
 * bytes depend only on the input and the level. Throws INVALID_ARGUMENT for an out-of-range level.
 */
export function createZstdCompressor(options: ZstdOptions = {}): Duplex {
  const level = integerOption('zstd level', options.level, DEFAULT_ZSTD_LEVEL, 1, 22);
  const stream = new DeterministicZstd(level);
  if (options.signal !== undefined) addAbortSignal(options.signal, stream);
  return stream;
}
