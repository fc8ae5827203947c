/**
 * A process-wide pool of gzip worker threads shared by every compressor. Workers start on demand,
 * are unreferenced while idle (an idle pool never keeps the process alive) and are terminated after
 * a quiet period. A crashed worker fails only the job it held and is replaced on the next job.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { DeflateJob } from './deflate-block.ts';
import type { WorkerRequest, WorkerResponse } from './gzip-worker.ts';

/** How long an idle pool lingers before its workers are terminated. */
const IDLE_TERMINATE_MS = 10_000;

// The package ships compiled `.js`; the repository runs `.ts` directly. Load the worker file with
// this module's own extension so both work.
const OWN_EXTENSION = new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js';
const WORKER_URL = new URL(`./gzip-worker${OWN_EXTENSION}`, import.meta.url);

/** A deflated block, and the block's input memory back from the worker for reuse. */
export interface DeflateResult {
  output: Buffer;
  input: Uint8Array;
}

interface Pending {
  id: number;
  job: DeflateJob;
  transfer: boolean;
  resolve: (result: DeflateResult) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  current: Pending | null;
}

/** A pool of deflate workers; use {@link sharedDeflatePool} rather than constructing one. */
export class DeflatePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private maxWorkers = 1;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;

  /** Number of live worker threads. */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Deflates one block on a worker, using at most `workers` threads (capped by the machine's
   * available parallelism). Jobs run in submission order; results resolve independently. With
   * `transfer`, the caller gives up `job.data.buffer` (it must own that whole ArrayBuffer): it moves
   * to the worker instead of being copied.
   */
  run(job: DeflateJob, workers: number, transfer = false): Promise<DeflateResult> {
    this.maxWorkers = Math.max(this.maxWorkers, Math.min(workers, availableParallelism()));
    this.cancelIdleTimer();
    return new Promise<DeflateResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, transfer, resolve, reject });
      this.pump();
    });
  }

  /** Terminates every worker; queued jobs fail with ABORTED. The pool can be used again later. */
  async close(): Promise<void> {
    this.cancelIdleTimer();
    for (const pending of this.queue.splice(0)) {
      pending.reject(new OciError(ErrorCode.ABORTED, 'gzip worker pool closed'));
    }
    const slots = this.slots.splice(0);
    await Promise.all(
      slots.map((slot) => {
        slot.current?.reject(new OciError(ErrorCode.ABORTED, 'gzip worker pool closed'));
        slot.current = null;
        return slot.worker.terminate();
      }),
    );
    this.maxWorkers = 1;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => s.current === null);
      if (slot === undefined) {
        if (this.slots.length >= this.maxWorkers) return;
        slot = this.spawn();
      }
      const pending = this.queue.shift() as Pending;
      slot.current = pending;
      slot.worker.ref();
      const request: WorkerRequest = { id: pending.id, ...pending.job };
      const buffer = pending.job.data.buffer;
      const transfer = pending.transfer && buffer instanceof ArrayBuffer ? [buffer] : [];
      try {
        slot.worker.postMessage(request, transfer);
      } catch (err) {
        slot.current = null;
        pending.reject(err);
      }
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL);
    const slot: Slot = { worker, current: null };
    worker.unref();
    worker.on('message', (response: WorkerResponse) => this.settle(slot, response));
    worker.on('error', (err) => this.lose(slot, err));
    worker.on('exit', (code) => this.lose(slot, new Error(`gzip worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private settle(slot: Slot, response: WorkerResponse): void {
    const pending = slot.current;
    slot.current = null;
    if (pending !== null && pending.id === response.id) {
      if ('error' in response) {
        pending.reject(new OciError(ErrorCode.IO_ERROR, `gzip compression failed: ${response.error}`));
      } else {
        const out = response.output;
        pending.resolve({
          output: Buffer.from(out.buffer, out.byteOffset, out.byteLength),
          input: response.input,
        });
      }
    }
    this.afterJob(slot);
  }

  /** A worker died: fail its job, forget it, and let the next job start a fresh one. */
  private lose(slot: Slot, err: unknown): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots.splice(index, 1);
    const pending = slot.current;
    slot.current = null;
    pending?.reject(new OciError(ErrorCode.IO_ERROR, 'gzip worker failed', { cause: err }));
    void slot.worker.terminate();
    this.pump();
    this.maybeIdle();
  }

  private afterJob(slot: Slot): void {
    this.pump();
    if (slot.current === null) slot.worker.unref();
    this.maybeIdle();
  }

  private maybeIdle(): void {
    if (this.queue.length > 0 || this.slots.some((s) => s.current !== null) || this.slots.length === 0)
      return;
    this.cancelIdleTimer();
    this.idleTimer = setTimeout(() => void this.close(), IDLE_TERMINATE_MS);
    this.idleTimer.unref();
  }

  private cancelIdleTimer(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}

let shared: DeflatePool | undefined;

/** The process-wide deflate pool. */
export function sharedDeflatePool(): DeflatePool {
  shared ??= new DeflatePool();
  return shared;
}

/** Terminates the shared gzip workers now (they also stop by themselves when idle). */
export async function closeGzipWorkers(): Promise<void> {
  await shared?.close();
}
