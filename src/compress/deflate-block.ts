/**
 * One block of a parallel gzip stream, in the manner of pigz: raw deflate primed with the 32 KiB of
 * input before the block as dictionary, ended by a sync flush (byte-aligned, stream not final) or,
 * for the last block, by a finish. The output depends only on the block, its dictionary, the level
 * and whether it is last, which is what makes the whole stream independent of the thread count.
 */
import { constants, deflateRaw, deflateRawSync, type ZlibOptions } from 'node:zlib';

/** The deflate window: how much preceding input primes each block (RFC 1951 §2). */
export const DICTIONARY_SIZE = 32 * 1024;

/** One block to deflate. */
export interface DeflateJob {
  /** The block's input bytes. */
  data: Uint8Array;
  /** Up to 32 KiB of input immediately before the block, or null for the first block. */
  dictionary: Uint8Array | null;
  /** zlib level 0..9. */
  level: number;
  /** True for the final block of the stream (ends with BFINAL set). */
  last: boolean;
}

/** An output buffer size that holds any deflated block in one piece (stored blocks add 5 bytes per 16 KiB). */
export function wholeOutputSize(inputSize: number): number {
  return inputSize + (inputSize >>> 8) + 1024;
}

function zlibOptions(job: DeflateJob): ZlibOptions {
  const options: ZlibOptions = {
    level: job.level,
    finishFlush: job.last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    // The whole output in one buffer: no concatenation, and one allocation per block.
    chunkSize: Math.max(64 * 1024, wholeOutputSize(job.data.byteLength)),
  };
  if (job.dictionary !== null && job.dictionary.byteLength > 0) options.dictionary = job.dictionary;
  return options;
}

/** Deflates a block on the calling thread (used inside the gzip workers). */
export function deflateBlockSync(job: DeflateJob): Buffer {
  return deflateRawSync(job.data, zlibOptions(job));
}

/** Deflates a block on the libuv thread pool (used for single-threaded and single-block streams). */
export function deflateBlock(job: DeflateJob): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(job.data, zlibOptions(job), (err, out) => (err ? reject(err) : resolve(out)));
  });
}
