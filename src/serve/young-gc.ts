/**
 * Frees the request-body buffers of large uploads early. `node:http` hands each body chunk over in
 * a freshly allocated buffer, and V8 frees those only when it collects; left to itself it lets tens
 * of MiB pile up first, so the process keeps growing into fresh memory (page faults: measured as
 * the largest cost of a server's first pushes) and then pays for full collections. A young-
 * generation collection every few MiB received frees them while they are still young, so the same
 * memory is reused and the server's footprint stays flat however large the blob.
 */
import { type GcFunction, obtainGc } from '../compress/gc-hook.ts';

/** Bytes received between two young-generation collections. */
const EVERY = 8 << 20;

let collect: GcFunction | null | undefined;
let received = 0;

function gcFunction(): GcFunction | null {
  // No hook on this runtime: buffers are freed by V8's own schedule.
  if (collect === undefined) collect = obtainGc() ?? null;
  return collect;
}

/** Counts `bytes` of request body received; every {@link EVERY} bytes, a young-generation collection runs. */
export function bodyBytesReceived(bytes: number): void {
  received += bytes;
  if (received < EVERY) return;
  received = 0;
  gcFunction()?.({ type: 'minor', execution: 'sync' });
}

/**
 * Makes the collection hook now (a V8 context of its own, a few milliseconds), so that a new
 * server's first large upload does not pay for it; the server calls it when it starts.
 */
export function prepareYoungGc(): void {
  gcFunction();
}
