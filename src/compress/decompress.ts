/**
 * Decompression that trusts the bytes, not the media type (spec-checklist §10.9): the first bytes
 * pick gunzip, zstd or pass-through. Every gzip member and every zstd frame (skippable ones
 * included) is read, so multi-member gzip and zstd with skippable frames decode completely.
 */
import { addAbortSignal, Duplex } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ErrorCode, OciError, toOciError } from '../errors/index.ts';
import type { Compression } from './kinds.ts';
import { SNIFF_BYTES, sniffCompression } from './sniff.ts';
import { ZstdStreamDecoder } from './zstd-decoder.ts';

/**
 * Output buffer size of the decoders: 128 KiB measured about 330 MB/s against 200 MB/s at 16 KiB;
 * 512 KiB cut a 3-layer, 4800-file unpack by about 8% more (fewer callbacks and buffers per byte).
 */
export const DECODE_CHUNK_SIZE = 512 * 1024;

/** Options of the decompressors. */
export interface DecompressOptions {
  /** Aborts the stream, destroying it with an AbortError. */
  signal?: AbortSignal;
}

/**
 * A decoder for a known compression. Node's gunzip reads every member of a multi-member gzip; for
 * zstd, {@link ZstdStreamDecoder} reads every frame and drops skippable ones.
 */
export function createDecompressor(kind: Exclude<Compression, 'none'>): Duplex {
  return kind === 'gzip' ? createGunzip({ chunkSize: DECODE_CHUNK_SIZE }) : new ZstdStreamDecoder();
}

/** Turns a decoder failure into an INVALID_ARCHIVE error naming the format. */
function corrupt(kind: Compression, err: unknown): OciError {
  if (err instanceof OciError) return err;
  if (err instanceof Error && err.name === 'AbortError') return toOciError(err);
  const message = err instanceof Error ? err.message : String(err);
  return new OciError(ErrorCode.INVALID_ARCHIVE, `corrupt ${kind} data: ${message}`, {
    cause: err,
    data: { compression: kind },
  });
}

/** A Duplex that sniffs its first bytes, then decodes (or passes through) the rest. */
export class SniffingDecompressor extends Duplex {
  private head: Buffer[] = [];
  private headBytes = 0;
  private decoder: Duplex | null = null;
  private decided: Compression | undefined;
  /** Set when the decoder is backed up: resumed by the next read. */
  private pendingWrite: (() => void) | null = null;

  constructor(options: DecompressOptions = {}) {
    super({ readableHighWaterMark: DECODE_CHUNK_SIZE, writableHighWaterMark: DECODE_CHUNK_SIZE });
    if (options.signal !== undefined) addAbortSignal(options.signal, this);
  }

  /** The compression found in the bytes, once the first bytes have arrived. */
  get compression(): Compression | undefined {
    return this.decided;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.decided === undefined) {
      this.head.push(chunk);
      this.headBytes += chunk.byteLength;
      if (this.headBytes < SNIFF_BYTES) {
        callback();
        return;
      }
      chunk = this.decide();
    }
    this.feed(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.decided === undefined) {
      const rest = this.decide();
      if (rest.byteLength > 0) {
        this.feed(rest, (err) => (err ? callback(err) : this.endDecoder(callback)));
        return;
      }
    }
    this.endDecoder(callback);
  }

  override _read(): void {
    this.decoder?.resume();
    const pending = this.pendingWrite;
    this.pendingWrite = null;
    pending?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.decoder?.destroy();
    callback(error);
  }

  private decide(): Buffer {
    const bytes = this.head.length === 1 ? (this.head[0] as Buffer) : Buffer.concat(this.head);
    this.head = [];
    const kind = sniffCompression(bytes);
    this.decided = kind;
    if (kind !== 'none') {
      const decoder = createDecompressor(kind);
      decoder.on('data', (data: Buffer) => {
        if (!this.push(data)) decoder.pause();
      });
      decoder.on('error', (err) => this.destroy(corrupt(kind, err)));
      this.decoder = decoder;
    }
    return bytes;
  }

  private feed(chunk: Buffer, callback: (error?: Error | null) => void): void {
    const decoder = this.decoder;
    if (decoder === null) {
      if (this.push(chunk)) callback();
      else this.pendingWrite = () => callback();
      return;
    }
    if (decoder.write(chunk)) callback();
    else decoder.once('drain', () => callback());
  }

  private endDecoder(callback: (error?: Error | null) => void): void {
    const decoder = this.decoder;
    if (decoder === null) {
      this.push(null);
      callback();
      return;
    }
    decoder.once('end', () => {
      this.push(null);
      callback();
    });
    decoder.end();
  }
}

/**
 * A Duplex that decompresses whatever it is given, choosing the decoder from the magic bytes
 * ({@link sniffCompression}) whatever the media type claimed. Corrupt or truncated data fails
 * with INVALID_ARCHIVE.
 */
export function decompressStream(options: DecompressOptions = {}): SniffingDecompressor {
  return new SniffingDecompressor(options);
}
