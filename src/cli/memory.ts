/**
 * Keeps peak memory flat however large the blobs: streaming allocates a new Buffer per chunk, and
 * V8 only collects dead ones once about 64 MiB of external memory has piled up, so a long stream
 * would peak that much higher than a short one (measured: +55 MiB at 1 GiB). A timer checks the
 * ArrayBuffer total and asks for a collection past a lower mark; short commands never reach it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** ArrayBuffer bytes above which a collection is requested. */
const THRESHOLD = 24 << 20;
/**
 * Growth since the last collection's result before another is requested: a command that keeps
 * buffers alive on purpose (a build's compression queue) would otherwise be collected every tick
 * for nothing (measured: 35 full collections freeing nothing, 0.6-1 s of CPU on a build).
 */
const GROWTH = 16 << 20;
const INTERVAL_MS = 20;

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

/** Starts the governor for this process; the timer never keeps the process alive. */
export function startMemoryGovernor(): void {
  let gc: GcFunction;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as GcFunction;
    setFlagsFromString('--no-expose-gc'); // only this context gets `gc`, not later ones or workers
  } catch {
    return; // no gc hook on this runtime: memory is still bounded, only higher
  }
  let floor = 0;
  setInterval(() => {
    const live = process.memoryUsage().arrayBuffers;
    if (live < THRESHOLD || live < floor + GROWTH) return;
    gc({ type: 'major', execution: 'sync' });
    floor = process.memoryUsage().arrayBuffers;
  }, INTERVAL_MS).unref();
}
