/**
 * Watches the ArrayBuffer total from a command's start and loads the memory governor (memory.ts,
 * with the v8 and vm modules it needs) once streaming has piled up {@link GOVERNOR_LOAD_BYTES}:
 * below the mark where it starts collecting, so it runs before it is needed, and out of reach of a
 * short command, which never streams that much.
 *
 * Both look every 20 ms. A long-lived command (`serve`, `explore`) lets them slow to 500 ms once
 * the total has stayed still for a second, so an idle server sleeps; a command that ends when its
 * work is done keeps the 20 ms pace throughout, so a stream that starts after a slow lookup is
 * watched from its first chunk.
 */
import {
  type AdaptivePoll,
  type AdaptivePollOptions,
  adaptivePoll,
  type LookResult,
} from './adaptive-poll.ts';

/** ArrayBuffer bytes at which the governor is loaded. */
const GOVERNOR_LOAD_BYTES = 6 << 20;
/** Change in the ArrayBuffer total since the last movement that counts as movement (one file-read chunk). */
const MOVED_BYTES = 64 << 10;

const BUSY: AdaptivePollOptions = { busyMs: 20, idleMs: 20, stillLooks: Number.POSITIVE_INFINITY };
const IDLE_WHEN_STILL: AdaptivePollOptions = { busyMs: 20, idleMs: 500, stillLooks: 50 };

let pace = BUSY;
let watcher: AdaptivePoll | undefined;
let governorLoading = false;

/** The memory watchers' pace: busy throughout, unless {@link idleWhenStill} was called. */
export function memoryPollPace(): AdaptivePollOptions {
  return pace;
}

/** For long-lived commands: the memory watchers slow down after a still second. */
export function idleWhenStill(): void {
  pace = IDLE_WHEN_STILL;
}

/**
 * A look's tracker of the ArrayBuffer total: `moved` once the total is a chunk or more away from
 * where it stood at the last movement (so slow, steady growth still counts), `still` otherwise.
 */
export function movementTracker(): (total: number) => LookResult {
  let mark = 0;
  return (total) => {
    if (Math.abs(total - mark) < MOVED_BYTES) return 'still';
    mark = total;
    return 'moved';
  };
}

/** Starts watching for the governor's load mark (once per process). */
export function watchMemory(): void {
  if (watcher !== undefined || governorLoading) return;
  const moved = movementTracker();
  watcher = adaptivePoll(() => {
    const total = process.memoryUsage().arrayBuffers;
    if (total < GOVERNOR_LOAD_BYTES) return moved(total);
    loadMemoryGovernor();
    return 'stop';
  }, memoryPollPace);
}

/**
 * Loads and starts the governor now (once per process), and ends the watcher: a server calls it
 * when it starts, so that its first push does not pay for the governor's V8 context. A governor
 * that fails to load (say, a reinstall replaced the chunk mid-run) is only missed.
 */
export function loadMemoryGovernor(): void {
  watcher?.stop();
  if (governorLoading) return;
  governorLoading = true;
  import('./memory.ts')
    .then((m) =>
      m.startMemoryGovernor({
        poll: (look) => void adaptivePoll(look, memoryPollPace),
        moved: movementTracker(),
      }),
    )
    .catch(() => {});
}
