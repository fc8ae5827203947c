/**
 * The V8 collector as a function (`gc` of `--expose-gc`), for the code that frees buffers early:
 * the gzip workers, the server's young collections and the CLI's memory governor. V8 cannot be
 * given the flag for one context only, so each of them turns `--expose-gc` on while it makes a
 * context of its own, then off again: later contexts and workers (the embedding program's too)
 * must not find a `gc` they did not ask for. Flags are global to the process, though, and another
 * thread doing the same can turn the flag off between the two steps: the context then has no
 * `gc`. So the attempt is repeated, and a hook that still cannot be had is no error.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The collector, as `--expose-gc` gives it. */
export type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

/** Contexts made before giving up (each costs about a millisecond; the race is rare). */
const ATTEMPTS = 8;

/**
 * The collector: the global `gc` when the process was started with `--expose-gc`, else one taken
 * from a context made while the flag was on. Undefined when the runtime offers no hook, or the
 * flag was turned off under every attempt; callers then leave collection to V8.
 */
export function obtainGc(): GcFunction | undefined {
  const global = (globalThis as { gc?: unknown }).gc;
  if (typeof global === 'function') return global as GcFunction;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    let found: unknown;
    try {
      setFlagsFromString('--expose-gc');
      found = runInNewContext('typeof gc === "function" ? gc : undefined');
    } catch {
      return undefined;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
    if (typeof found === 'function') return found as GcFunction;
  }
  return undefined;
}
