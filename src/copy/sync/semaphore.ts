/**
 * A counting semaphore whose holder gives its slot back when it chooses, before its task ends:
 * a sync image frees its slot once written, while its signature steps still run.
 * (`image/limit.ts`'s limiter holds a slot for the whole task.)
 */

/** Slots taken with {@link Semaphore.acquire}. */
export interface Semaphore {
  /** Waits for a free slot; resolves to its release, which frees it on the first call only. */
  acquire(): Promise<() => void>;
}

/** A semaphore of `slots` slots (at least one), handed out in request order. */
export function semaphore(slots: number): Semaphore {
  let free = Math.max(1, Math.floor(slots));
  const waiting: Array<() => void> = [];
  const give = (): void => {
    const next = waiting.shift();
    if (next !== undefined) next();
    else free++;
  };
  return {
    async acquire() {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        give();
      };
    },
  };
}
