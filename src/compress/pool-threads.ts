/**
 * How many of the gzip pools' worker threads are alive: counted from `new Worker` to the worker's
 * `exit` event, which comes after its thread has stopped. Threads that Node or other code starts
 * (a module-hooks thread) are not counted. A V8 flag is global to the process and read by every
 * isolate without a lock, so the CLI's memory governor changes one only while this is zero (see
 * src/cli/memory.ts). Kept apart from the pool so that the governor can ask without loading
 * `node:worker_threads`.
 */

let alive = 0;

/** Counts a pool thread: called once per `new Worker`, right after it. */
export function poolThreadStarted(): void {
  alive++;
}

/** Uncounts a pool thread: called exactly once per {@link poolThreadStarted}, at the worker's `exit`. */
export function poolThreadExited(): void {
  alive = Math.max(0, alive - 1);
}

/** The pools' threads started and not yet exited. */
export function poolThreadsAlive(): number {
  return alive;
}
