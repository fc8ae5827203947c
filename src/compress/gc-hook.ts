/**
 * The V8 collector as a function (`gc` of `--expose-gc`), for the code that frees buffers early:
 * the gzip workers, the server's young collections and the CLI's memory governor. V8 cannot be
 * given the flag for one context only, so each of them turns `--expose-gc` on while it makes a
 * context of its own, then off again: later contexts and workers (the embedding program's too)
 * must not find a `gc` they did not ask for. Flags are global to the process, though, and another
 * thread doing the same can turn the flag off between the two steps: the context then has no
 * `gc`. So the attempt is repeated, and a hook that still cannot be had is no error. (The other
 * way round, a context another thread makes while the flag is on gets a `gc` it did not ask for:
 * harmless, and the window is that of one context's creation.)
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The collector, as `--expose-gc` gives it. */
export type GcFunction = (options?: {
  type?: 'major' | 'minor';
  execution?: 'sync' | 'async';
  /** `last-resort`: a memory-reducing collection that also shrinks the young generation. */
  flavor?: 'regular' | 'last-resort';
}) => void;

/** Contexts made before giving up (each costs about a millisecond; the race is rare). */
const ATTEMPTS = 8;

/** Evaluated in a new context: its `gc`, if the flag gave it one. */
const PICK_GC = 'typeof gc === "function" ? gc : undefined';

/**
 * The collector: the global `gc` when the process was started with `--expose-gc`, or the one of a
 * new context when the flag is on already (then left on); else one taken from a context made while
 * this turns the flag on, and off again after. Undefined when the runtime offers no hook, or the
 * flag was turned off under every attempt; callers then leave collection to V8.
 */
export function obtainGc(): GcFunction | undefined {
  const existing = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === 'function') return existing as GcFunction;
  try {
    const found: unknown = runInNewContext(PICK_GC);
    if (typeof found === 'function') return found as GcFunction;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      setFlagsFromString('--expose-gc');
      let made: unknown;
      try {
        made = runInNewContext(PICK_GC);
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
      if (typeof made === 'function') return made as GcFunction;
    }
  } catch {
    // No flags or contexts on this runtime.
  }
  return undefined;
}
