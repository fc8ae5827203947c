/**
 * Gives memory back after a heavy request. Listing a 100k-file layer, sorting a wide folder or
 * estimating efficiency allocates short-lived records at a high rate; V8 answers by growing its
 * young generation (to about 80 MiB committed for a live heap of under 20 MiB) and keeps it, so
 * each heavy request's peak stacked on the last one's (a flat 100k-file folder took the server
 * from 67 to 145 MiB over six requests). A regular full collection frees the objects but not the
 * committed space; V8's memory-reducing collection (the `last-resort` flavour, what a low-memory
 * notification runs) shrinks the young generation and returns the pages. It runs once a request
 * that took long ends with no other in flight, and never more than a tenth of the time: after a
 * collection that took `g` ms, none runs for `10 g` ms. The `ocikit explore` command turns it on;
 * a program embedding the explorer decides for its own heap (`startExplorer`'s `returnMemory`).
 * See docs/DECISIONS.md, "explore".
 */
import type { EventEmitter } from 'node:events';
import { type GcFunction, obtainGc } from '../compress/gc-hook.ts';

/** A request that took at least this long is taken to have allocated heavily. */
export const HEAVY_REQUEST_MS = 50;
/** After a collection of `g` ms, none for `COOLDOWN_FACTOR × g` ms. */
const COOLDOWN_FACTOR = 10;

/** Options of {@link returnMemoryAfterHeavyRequests}. */
export interface MemoryReturnOptions {
  /** The collector (default: V8's, through the gc hook); none means nothing is done. */
  gc?: GcFunction | undefined;
  /** Requests shorter than this leave memory as it is (default {@link HEAVY_REQUEST_MS}). */
  heavyMs?: number;
  /** The clock, in milliseconds (default `performance.now`). */
  now?: () => number;
}

/**
 * After each request of `server` (an `http.Server`: its `request` events and each response's
 * `close`) that took at least `heavyMs` and left no other in flight, runs a memory-reducing full
 * collection unless the last one was too recent.
 */
export function returnMemoryAfterHeavyRequests(
  server: EventEmitter,
  options: MemoryReturnOptions = {},
): void {
  const gc = 'gc' in options ? options.gc : obtainGc();
  const heavyMs = options.heavyMs ?? HEAVY_REQUEST_MS;
  const now = options.now ?? (() => performance.now());
  let inFlight = 0;
  let heavySinceCollection = false;
  let quietUntil = Number.NEGATIVE_INFINITY;
  server.on('request', (_req: unknown, res: EventEmitter) => {
    inFlight++;
    const started = now();
    res.once('close', () => {
      inFlight--;
      const ended = now();
      if (ended - started >= heavyMs) heavySinceCollection = true;
      if (inFlight > 0 || !heavySinceCollection || gc === undefined || ended < quietUntil) return;
      heavySinceCollection = false;
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
      const collected = now();
      quietUntil = collected + COOLDOWN_FACTOR * (collected - ended);
    });
  });
}
