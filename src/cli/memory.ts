/**
 * Keeps peak memory flat however large the blobs. Streaming allocates a new Buffer per chunk, and
 * V8 only collects dead ones once tens of MiB of external memory have piled up, so a long stream
 * would peak that much higher than a short one (measured: +55 MiB at 1 GiB). Buffers made on
 * another thread (the gzip workers' output) also go back to that thread's malloc arena when freed,
 * and the arena stays as large as the pile was. A timer watches the ArrayBuffer total and frees the
 * dead buffers every few MiB, mostly while they are still young; it slows down while the total
 * stays still (an idle server). It also turns V8's incremental marking off for the rest of the
 * process (see {@link stopIncrementalMarkingWhenAlone}). See docs/DECISIONS.md.
 */
import { setFlagsFromString } from 'node:v8';
import { obtainGc } from '../compress/gc-hook.ts';
import { poolThreadsAlive } from '../compress/pool-threads.ts';
import type { LookResult } from './adaptive-poll.ts';
import { fullCollectionGrowth } from './memory-budget.ts';

/** ArrayBuffer bytes below which nothing is collected: short commands never reach it. */
const THRESHOLD = 8 << 20;
/**
 * Growth since the last collection's result before a young-generation collection (a scavenge:
 * about a millisecond, and a chunk read, hashed and written dies young).
 */
const YOUNG_GROWTH = 4 << 20;

let started = false;
let markingStopped = false;
let hooksThreadPossible = false;

/** Node options that can run code before the command, which may start a module-hooks thread. */
const PRELOAD_OPTION = /^(--import|--require|-r|--loader|--experimental-loader)(=|$)/;

/**
 * Whether Node may run a module-hooks thread in this process (`module.register` from a preloaded
 * module, or a `--loader`): an isolate on another thread that the pools' count does not see.
 */
function mayHaveHooksThread(): boolean {
  const nodeOptions = (process.env.NODE_OPTIONS ?? '').split(/\s+/);
  return [...process.execArgv, ...nodeOptions].some((option) => PRELOAD_OPTION.test(option));
}

/**
 * Turns V8's incremental marking off for the rest of this process, once no other thread runs an
 * isolate: old-generation collections are then made whole, when the old generation reaches its
 * limit or the governor asks. A streaming command's heap is about 10 MB with a limit about twice
 * that, and V8 starts an incremental marking whenever that headroom is below the young
 * generation's capacity, which here is always: a cold pull of 532 MB made 30-37 full collections,
 * each with its marking steps, task and write barriers (a fifth of the command's time); without
 * incremental marking it makes 3-9. On this thread V8 reads the flag each time it would start a
 * marking, right before it does (`CanBeStarted`), and a marking already under way finishes as
 * usual. But the flag is one unlocked global for every isolate: another thread's isolate could
 * read it on and then fail the same check, which aborts the process. So it waits while a gzip
 * worker is alive (workers started after it never mark incrementally), and it is never done when
 * Node was given a preload or loader option (a module-hooks thread may be running). The CLI only:
 * a library must not change its embedder's collector. Returns whether incremental marking is off.
 */
function stopIncrementalMarkingWhenAlone(): boolean {
  if (markingStopped) return true;
  if (poolThreadsAlive() !== 0 || hooksThreadPossible) return false;
  setFlagsFromString('--no-incremental-marking');
  markingStopped = true;
  return true;
}

/**
 * How the governor runs, given by its loader (memory-watch.ts) so that this module, loaded late,
 * shares no code with the start path: a poll that calls the look at the watchers' pace, and a
 * tracker of the ArrayBuffer total that says whether it moved (and marks where it stands).
 */
export interface GovernorSchedule {
  poll(look: () => LookResult): void;
  moved(total: number): LookResult;
}

/**
 * Starts the governor for this process (once: later calls do nothing), which turns V8's
 * incremental marking off as soon as no other thread runs an isolate; its timer never keeps the
 * process alive.
 */
export function startMemoryGovernor(schedule: GovernorSchedule): void {
  if (started) return;
  started = true;
  hooksThreadPossible = mayHaveHooksThread();
  const gc = obtainGc();
  // No hook (none on this runtime, or another thread held the flag off): memory is still
  // bounded, only higher. The marking flag still waits for the workers.
  if (gc === undefined) {
    if (!stopIncrementalMarkingWhenAlone() && !hooksThreadPossible) {
      schedule.poll(() => (stopIncrementalMarkingWhenAlone() ? 'stop' : 'still'));
    }
    return;
  }
  let youngFloor = 0;
  let fullFloor = 0;
  stopIncrementalMarkingWhenAlone();
  schedule.poll(() => {
    stopIncrementalMarkingWhenAlone();
    let live = process.memoryUsage().arrayBuffers;
    const moved = schedule.moved(live);
    // A drop since (V8's own collections, a queue drained) lowers both marks: growth counts from it.
    youngFloor = Math.min(youngFloor, live);
    fullFloor = Math.min(fullFloor, live);
    if (live < THRESHOLD || live < youngFloor + YOUNG_GROWTH) return moved;
    gc({ type: 'minor', execution: 'sync' });
    live = process.memoryUsage().arrayBuffers;
    // Growth over the lowest total seen since the last full collection (its own result, or lower)
    // before the next full one: chunks that stayed in flight long enough to be promoted are freed
    // only by it. Measured from the live total, so a command that keeps buffers alive on purpose
    // (a build's compression queue) is not collected over and over for nothing. The first full
    // collection comes with the first young one that leaves THRESHOLD or more.
    if (live >= THRESHOLD && live >= fullFloor + fullCollectionGrowth()) {
      gc({ type: 'major', execution: 'sync' });
      live = process.memoryUsage().arrayBuffers;
      fullFloor = live;
    }
    fullFloor = Math.min(fullFloor, live);
    youngFloor = live;
    schedule.moved(live); // marks where the collection left the total
    return 'moved';
  });
}
