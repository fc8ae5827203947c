/**
 * A polling timer that looks often while what it watches moves and seldom while it stays still.
 * The CLI's memory watchers look at the ArrayBuffer total every 20 ms while a stream runs; in a
 * long-lived command (`serve`, `explore`) they would otherwise wake the process that often for as
 * long as it sits idle (measured: 80 wake-ups a second on an idle server's main thread).
 */

/** How often to look, busy and idle. */
export interface AdaptivePollOptions {
  /** Milliseconds between looks while what is watched moves. */
  busyMs: number;
  /** Milliseconds between looks once it has stayed still. */
  idleMs: number;
  /** Consecutive still looks after which the idle pace is taken. */
  stillLooks: number;
}

/**
 * The memory watchers' pace: every 20 ms while the ArrayBuffer total moves (a stream), every
 * 500 ms after a second without movement. A stream that starts after an idle spell is seen within
 * half a second; until then V8's own collections bound it.
 */
export const MEMORY_POLL: AdaptivePollOptions = { busyMs: 20, idleMs: 500, stillLooks: 50 };

/** Change in the ArrayBuffer total, either way, that counts as movement: one stream chunk. */
const MOVED_BYTES = 64 << 10;

/** `moved` when the ArrayBuffer total went from `before` to `now` by a stream chunk or more. */
export function movedSince(before: number, now: number): LookResult {
  return Math.abs(now - before) >= MOVED_BYTES ? 'moved' : 'still';
}

/** What a look reports: whether what it watches moved since the last look, or that polling ends. */
export type LookResult = 'moved' | 'still' | 'stop';

/** A running poll; `stop()` ends it (also when called from inside a look). */
export interface AdaptivePoll {
  stop(): void;
}

/**
 * Calls `look` every `busyMs` while it reports `moved`, every `idleMs` after `stillLooks` looks in
 * a row report `still`, and at the busy pace again from the first `moved`. Stops when `look`
 * returns `stop`. The timer never keeps the process alive.
 */
export function adaptivePoll(look: () => LookResult, options: AdaptivePollOptions): AdaptivePoll {
  let still = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(tick, still >= options.stillLooks ? options.idleMs : options.busyMs);
    timer.unref();
  };
  const tick = () => {
    const result = look();
    if (result === 'stop') stopped = true;
    else if (result === 'moved') still = 0;
    else still++;
    schedule();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
