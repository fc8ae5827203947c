/**
 * Gives memory back after a heavy request. Listing a 100k-file layer, sorting a wide folder or
 * estimating efficiency allocates short-lived records at a high rate; V8 answers by growing its
 * young generation (to about 80 MiB committed for a live heap of under 20 MiB) and keeps it, so
 * each heavy request's peak stacked on the last one's (a flat 100k-file folder took the server
 * from 67 to 145 MiB over six requests). A regular full collection frees the objects but not the
 * committed space; V8's memory-reducing collection (the `last-resort` flavour, what a low-memory
 * notification runs) shrinks the young generation and returns the pages. It runs once a request
 * that took long ends with no other in flight, so it costs an interactive user nothing and a
 * burst of requests one collection at its end (tens of milliseconds on a heap this size).
 * See docs/DECISIONS.md, "explore".
 */
import type { Server } from 'node:http';
import { type GcFunction, obtainGc } from '../compress/gc-hook.ts';

/** A request that took at least this long is taken to have allocated heavily. */
export const HEAVY_REQUEST_MS = 50;

/** Options of {@link returnMemoryAfterHeavyRequests}. */
export interface MemoryReturnOptions {
  /** The collector (default: V8's, through the gc hook); none means nothing is done. */
  gc?: GcFunction | undefined;
  /** Requests shorter than this leave memory as it is (default {@link HEAVY_REQUEST_MS}). */
  heavyMs?: number;
}

/**
 * After each request of `server` that took at least `heavyMs` and left no other request in flight,
 * runs a memory-reducing full collection; the count of those so far is returned by the getter.
 */
export function returnMemoryAfterHeavyRequests(
  server: Server,
  options: MemoryReturnOptions = {},
): { collections(): number } {
  const gc = 'gc' in options ? options.gc : obtainGc();
  const heavyMs = options.heavyMs ?? HEAVY_REQUEST_MS;
  let inFlight = 0;
  let heavySinceCollection = false;
  let collections = 0;
  server.on('request', (_req, res) => {
    inFlight++;
    const started = performance.now();
    res.once('close', () => {
      inFlight--;
      if (performance.now() - started >= heavyMs) heavySinceCollection = true;
      if (inFlight > 0 || !heavySinceCollection || gc === undefined) return;
      heavySinceCollection = false;
      collections++;
      gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    });
  });
  return { collections: () => collections };
}
