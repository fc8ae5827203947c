/**
 * Entry point of a gzip worker thread: deflates the blocks it is sent, one at a time, and answers
 * with the compressed bytes (or the error message) under the same job id.
 */
import { parentPort } from 'node:worker_threads';
import { type DeflateJob, deflateBlockSync } from './deflate-block.ts';
import { obtainGc } from './gc-hook.ts';

/** A message from the pool to a worker. */
export interface WorkerRequest extends DeflateJob {
  id: number;
}

/**
 * A message from a worker back to the pool: the compressed bytes, and the block's input memory
 * handed back so the compressor can reuse it.
 */
export type WorkerResponse =
  | { id: number; output: Uint8Array; input: Uint8Array }
  | { id: number; error: string };

/**
 * Blocks between garbage collections. A worker allocates almost nothing on the JS heap, so V8
 * rarely collects it and dead zlib state piles up outside the heap (measured on a 1 GiB stream with
 * two workers: peak RSS +60 MB over a 10 MiB stream without collections, +40 MB with one every 16
 * blocks, for about 2% of throughput). `gc` is obtained as `--expose-gc` would give it, since V8
 * flags cannot be passed to a worker (gc-hook.ts); without it the worker still compresses.
 */
const BLOCKS_PER_COLLECTION = 16;

const port = parentPort;
if (port !== null) {
  // Asked again at each collection while missing: another thread may have held the flag off.
  let collectGarbage = obtainGc();
  let blocks = 0;
  port.on('message', (request: WorkerRequest) => {
    try {
      const deflated = deflateBlockSync(request);
      // zlib wrote the block into one buffer of its own (far above the size of Node's shared
      // pool), so that memory can move to the main thread; anything else is copied first.
      const owned = deflated.buffer instanceof ArrayBuffer && deflated.buffer.byteLength >= 64 * 1024;
      const output = owned ? deflated : Uint8Array.prototype.slice.call(deflated);
      const response: WorkerResponse = { id: request.id, output, input: request.data };
      const transfer: ArrayBuffer[] = [output.buffer as ArrayBuffer];
      if (request.data.buffer instanceof ArrayBuffer) transfer.push(request.data.buffer);
      port.postMessage(response, transfer);
    } catch (err) {
      const response: WorkerResponse = {
        id: request.id,
        error: err instanceof Error ? err.message : String(err),
      };
      port.postMessage(response);
    }
    if (++blocks % BLOCKS_PER_COLLECTION === 0) {
      collectGarbage ??= obtainGc();
      collectGarbage?.();
    }
  });
}
