/**
 * How many of this process's worker threads (the gzip pool's) are alive: counted from
 * `new Worker` to the worker's `exit` event, which comes after its thread has stopped. A V8 flag is
 * global to the process and read by every isolate without a lock, so the CLI's memory governor
 * changes one only while this is zero (see memory.ts). Kept apart from the pool so that the
 * governor can ask without loading `node:worker_threads`.
 */

let alive = 0;

/** Counts a worker thread from its `new Worker`. */
export function workerThreadStarted(): void {
  alive++;
}

/** Uncounts a worker thread at its `exit` event. */
export function workerThreadExited(): void {
  alive--;
}

/** Worker threads started and not yet exited. */
export function workerThreadsAlive(): number {
  return alive;
}
