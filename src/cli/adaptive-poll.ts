/**
 * A polling timer that looks often while what it watches moves and seldom once it has stayed still.
 * The CLI's memory watchers (memory-watch.ts) use it so that a long-lived command (`serve`,
 * `explore`) does not wake up every 20 ms for as long as it sits idle (measured: 80 wake-ups a
 * second on an idle server's main thread).
 */

/** How often to look, busy and idle. */
export interface AdaptivePollOptions {
  /** Milliseconds between looks while what is watched moves. */
  busyMs: number;
  /** Milliseconds between looks once it has stayed still. */
  idleMs: number;
  /** Consecutive still looks after which the idle pace is taken (`Infinity`: never). */
  stillLooks: number;
}

/** What a look reports: whether what it watches moved since the last look, or that polling ends. */
export type LookResult = 'moved' | 'still' | 'stop';

/** A running poll. */
export interface AdaptivePoll {
  /** Ends the poll; no look runs after it (it may be called from inside a look). */
  stop(): void;
}

/**
 * Calls `look` every `busyMs` while it reports `moved`, every `idleMs` after `stillLooks` looks in
 * a row report `still`, and at the busy pace again from the first `moved`. `pace` is asked before
 * each wait, so a command may change it while the poll runs. Stops when `look` returns `stop`; a
 * look that throws (say, `process.memoryUsage()` when the process is out of file descriptors)
 * counts as still, rather than ending the process from a timer. The timer never keeps the process
 * alive.
 */
export function adaptivePoll(look: () => LookResult, pace: () => AdaptivePollOptions): AdaptivePoll {
  let still = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    const { busyMs, idleMs, stillLooks } = pace();
    timer = setTimeout(tick, still >= stillLooks ? idleMs : busyMs);
    timer.unref();
  };
  const tick = () => {
    let result: LookResult;
    try {
      result = look();
    } catch {
      result = 'still';
    }
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
