/**
 * A process-wide pool of gzip worker threads shared by every compressor. Workers start on demand,
 * are unreferenced while idle (an idle pool never keeps the process alive) and are terminated after
 * a quiet period. A crashed worker fails only the job it held and is replaced on the next job.
 */
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { DeflateJob } from './deflate-block.ts';
import type { WorkerRequest, WorkerResponse } from './gzip-worker.ts';
import { poolThreadExited, poolThreadStarted } from './pool-threads.ts';

/** How long an idle pool lingers before its workers are terminated. */
const IDLE_TERMINATE_MS = 10_000;

// The library ships compiled `.js`, the bundled command `.mjs`, and the repository runs `.ts`
// directly. Load the worker file with this module's own extension so all three work.
const OWN_EXTENSION = extname(new URL(import.meta.url).pathname);
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
  /** Jobs posted to this worker, oldest first; it answers them in this order. */
  jobs: Pending[];
}

/**
 * Jobs posted to one worker ahead of its answers. With two, a worker that finishes a block starts
 * the next at once instead of idling until the main thread is scheduled to send one (on a loaded
 * machine that round trip cost seconds per layer).
 */
const JOBS_PER_WORKER = 2;

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
        for (const pending of slot.jobs.splice(0)) {
          pending.reject(new OciError(ErrorCode.ABORTED, 'gzip worker pool closed'));
        }
        return slot.worker.terminate();
      }),
    );
    this.maxWorkers = 1;
  }

  private pump(): void {
    while (this.queue.length > 0) {
      // An idle worker first, then a new one, then the least busy one with room.
      let slot = this.slots.find((s) => s.jobs.length === 0);
      if (slot === undefined && this.slots.length < this.maxWorkers) slot = this.spawn();
      if (slot === undefined) {
        slot = this.slots.reduce<Slot | undefined>(
          (best, s) =>
            s.jobs.length < JOBS_PER_WORKER && s.jobs.length < (best?.jobs.length ?? Infinity) ? s : best,
          undefined,
        );
      }
      if (slot === undefined) return;
      const pending = this.queue.shift() as Pending;
      slot.jobs.push(pending);
      slot.worker.ref();
      const request: WorkerRequest = { id: pending.id, ...pending.job };
      const buffer = pending.job.data.buffer;
      const transfer = pending.transfer && buffer instanceof ArrayBuffer ? [buffer] : [];
      try {
        slot.worker.postMessage(request, transfer);
      } catch (err) {
        slot.jobs.pop();
        pending.reject(err);
      }
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_URL);
    poolThreadStarted();
    worker.once('exit', poolThreadExited);
    const slot: Slot = { worker, jobs: [] };
    worker.unref();
    worker.on('message', (response: WorkerResponse) => this.settle(slot, response));
    worker.on('error', (err) => this.lose(slot, err));
    worker.on('exit', (code) => this.lose(slot, new Error(`gzip worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private settle(slot: Slot, response: WorkerResponse): void {
    const pending = slot.jobs[0];
    if (pending !== undefined && pending.id === response.id) {
      slot.jobs.shift();
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
    for (const pending of slot.jobs.splice(0)) {
      const why = err instanceof Error ? err.message : String(err);
      pending.reject(new OciError(ErrorCode.IO_ERROR, `gzip worker failed: ${why}`, { cause: err }));
    }
    void slot.worker.terminate();
    this.pump();
    this.maybeIdle();
  }

  private afterJob(slot: Slot): void {
    this.pump();
    if (slot.jobs.length === 0) slot.worker.unref();
    this.maybeIdle();
  }

  private maybeIdle(): void {
    if (this.queue.length > 0 || this.slots.some((s) => s.jobs.length > 0) || this.slots.length === 0) return;
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
