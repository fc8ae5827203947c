/**
 * How far the memory governor (memory.ts) lets the live ArrayBuffer total grow over its low mark
 * before a full collection. Kept apart from the governor, which loads late with the v8 and vm
 * modules, so a command can choose before any stream starts.
 *
 * The default step is small: the gzip workers' output outlives young collections, and a build or
 * an `append` peaked 20 MiB higher with the wide step (bench/memory.ts). A command that compresses
 * nothing (a copy, a sync, an unpack) frees most chunks young; each full collection there is pure
 * cost (a cold pull of the 532 MB bench image made 41 of them, 270-310 ms of its main thread), so
 * it widens the step; an unpack's peak then grows about twice as much (+13 -> +27-32 MiB at 1 GiB,
 * within its 50 MiB).
 * See docs/DECISIONS.md, "A memory governor in the CLI process".
 */

/** The step for commands that compress on worker threads. */
const NARROW = 6 << 20;
/** The step for commands that do not. */
const WIDE = 24 << 20;

let fullGrowth = NARROW;

/** Bytes of growth over the low mark at which the governor makes a full collection. */
export function fullCollectionGrowth(): number {
  return fullGrowth;
}

/** Widens the full-collection step for this process: called by commands that compress nothing. */
export function widenFullCollections(): void {
  fullGrowth = WIDE;
}
