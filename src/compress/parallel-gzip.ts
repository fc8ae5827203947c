/**
 * Deterministic parallel gzip. Written by hand because it is the hot path of layer building and no
 * library produces multi-threaded gzip whose bytes do not depend on the thread count.
 *
 * The input is cut into fixed-size blocks at fixed offsets. Each block is deflated on a worker
 * thread independently (see deflate-block.ts), the results are written in order into ONE gzip
 * member (RFC 1952) behind a fixed header, and the main thread computes the CRC-32 over the input
 * as it passes. Because block boundaries depend only on input offsets, the output is identical for
 * any thread count and any chunking of the input.
 *
 * Memory stays flat: at most two blocks per thread are in flight, and while they are, the stream
 * stops accepting input.
 */
import { availableParallelism } from 'node:os';
import { addAbortSignal, Transform, type TransformCallback } from 'node:stream';
// A namespace, not a named import: see zstd.ts (crc32 came in Node 20.15).
import * as zlib from 'node:zlib';
import { toOciError } from '../errors/index.ts';
import { type DeflateJob, DICTIONARY_SIZE, deflateBlock } from './deflate-block.ts';
import { GZIP_HEADER, gzipTrailer } from './gzip-format.ts';
import { integerOption } from './options.ts';
import { sharedDeflatePool } from './worker-pool.ts';

/** Options of the gzip compressor. */
export interface GzipOptions {
  /** zlib compression level 0..9 (default {@link DEFAULT_GZIP_LEVEL}: 5). */
  level?: number;
  /** Worker threads to use (default: the machine's available parallelism). Does not change the bytes. */
  threads?: number;
  /** Block size in bytes, at least 32 KiB (default 1 MiB). Changes the bytes: keep the default. */
  blockSize?: number;
  /** Aborts the stream, destroying it with an AbortError. */
  signal?: AbortSignal;
}

/**
 * Default gzip level: 5, one below `gzip` and `pigz`. Measured on 250 MB layer tars (one of
 * text-like files, one of executables and node_modules) and a 200 MiB text tar, zlib's level 5
 * costs 45-80% of the CPU of level 6 for output at most 4% larger than `pigz -6`'s; level 6 costs
 * as much CPU as pigz itself, so two threads could not build a layer faster than `tar | pigz -p2`.
 * See docs/DECISIONS.md.
 */
export const DEFAULT_GZIP_LEVEL = 5;

/** Default block size: 1 MiB, as measured best for two threads. */
export const DEFAULT_BLOCK_SIZE = 1 << 20;

/** Blocks in flight per thread: one running, one waiting, so no worker idles between blocks. */
const BLOCKS_PER_THREAD = 2;

interface Task {
  output: Buffer | null;
  /** Settles (never rejects) when the block is compressed or has failed. */
  settled: Promise<void>;
}

class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly threads: number;
  private readonly blockSize: number;
  private readonly maxInFlight: number;
  private block: Buffer;
  private fill = 0;
  private dictionary: Uint8Array | null = null;
  private crc = 0;
  private inputSize = 0;
  private blocksSent = 0;
  private headerSent = false;
  private readonly inFlight: Task[] = [];
  /** Block buffers back from the workers, reused so memory stays flat on long streams. */
  private readonly spare: Buffer[] = [];
  private failure: Error | null = null;
  private discarded = false;

  constructor(options: GzipOptions) {
    super();
    this.level = integerOption('gzip level', options.level, DEFAULT_GZIP_LEVEL, 0, 9);
    this.threads = integerOption('gzip threads', options.threads, availableParallelism(), 1, 1024);
    this.blockSize = integerOption(
      'gzip block size',
      options.blockSize,
      DEFAULT_BLOCK_SIZE,
      DICTIONARY_SIZE,
      1 << 28,
    );
    this.maxInFlight = Math.min(this.threads, availableParallelism()) * BLOCKS_PER_THREAD;
    this.block = Buffer.allocUnsafeSlow(this.blockSize);
    if (options.signal !== undefined) addAbortSignal(options.signal, this);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.consume(chunk).then(() => callback(), callback);
  }

  override _flush(callback: TransformCallback): void {
    this.finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Blocks already with a worker finish there; their results are dropped.
    this.discarded = true;
    callback(error);
  }

  private async consume(chunk: Buffer): Promise<void> {
    this.crc = zlib.crc32(chunk, this.crc);
    this.inputSize += chunk.byteLength;
    let offset = 0;
    while (offset < chunk.byteLength) {
      // A full block is sent only once more input exists: the last block must be the one finished.
      if (this.fill === this.blockSize) await this.send(false);
      const n = Math.min(chunk.byteLength - offset, this.blockSize - this.fill);
      chunk.copy(this.block, this.fill, offset, offset + n);
      this.fill += n;
      offset += n;
    }
  }

  private async finish(): Promise<void> {
    if (this.blocksSent === 0) {
      // The whole stream is one block: deflate it here rather than wake a worker.
      const job: DeflateJob = {
        data: this.block.subarray(0, this.fill),
        dictionary: null,
        level: this.level,
        last: true,
      };
      const output = await deflateBlock(job);
      this.push(GZIP_HEADER);
      this.headerSent = true;
      this.push(output);
    } else {
      await this.send(true);
      while (this.inFlight.length > 0) await this.waitForHead();
    }
    this.push(gzipTrailer(this.crc, this.inputSize));
  }

  /** Hands the current block to a worker, then waits while too many blocks are in flight. */
  private async send(last: boolean): Promise<void> {
    const job: DeflateJob = {
      data: this.block.subarray(0, this.fill),
      dictionary: this.dictionary,
      level: this.level,
      last,
    };
    if (!last) {
      // Copy: the block's memory moves to the worker.
      this.dictionary = Uint8Array.prototype.slice.call(this.block, this.fill - DICTIONARY_SIZE, this.fill);
      this.block = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.blockSize);
      this.fill = 0;
    }
    this.blocksSent++;
    const task: Task = { output: null, settled: Promise.resolve() };
    task.settled = sharedDeflatePool()
      .run(job, this.threads, true)
      .then(
        ({ output, input }) => {
          task.output = output;
          if (input.byteLength === this.blockSize && this.spare.length < this.maxInFlight) {
            this.spare.push(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
          }
          this.drain();
        },
        (err: unknown) => this.fail(err),
      );
    this.inFlight.push(task);
    while (this.inFlight.length >= this.maxInFlight) await this.waitForHead();
  }

  private async waitForHead(): Promise<void> {
    await this.inFlight[0]?.settled;
    if (this.failure !== null) throw this.failure;
    if (this.discarded) throw new Error('gzip stream destroyed');
  }

  /** Emits finished blocks in input order. */
  private drain(): void {
    while (this.inFlight[0]?.output != null) {
      const task = this.inFlight.shift() as Task;
      if (this.discarded) continue;
      if (!this.headerSent) {
        this.push(GZIP_HEADER);
        this.headerSent = true;
      }
      this.push(task.output);
      task.output = null;
    }
  }

  private fail(err: unknown): void {
    if (this.failure !== null) return;
    this.failure = toOciError(err);
    this.inFlight.length = 0;
    this.destroy(this.failure);
  }
}

/**
 * A Transform that gzips its input: one deterministic gzip member whose bytes depend only on the
 * input, the level and the block size (never on the thread count, input chunking or host).
 * Throws INVALID_ARGUMENT for out-of-range options.
 */
export function createGzipCompressor(options: GzipOptions = {}): Transform {
  return new ParallelGzip(options);
}

/** Gzips bytes in memory with {@link createGzipCompressor}. */
export async function gzipBytes(data: Uint8Array, options: GzipOptions = {}): Promise<Buffer> {
  const compressor = createGzipCompressor(options);
  compressor.end(data);
  const chunks: Buffer[] = [];
  for await (const chunk of compressor) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
