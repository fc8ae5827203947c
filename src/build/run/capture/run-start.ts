/**
 * The start of a step's run as the filesystem dates it, for the snapshot capture
 * (snapshot-changes.ts), which takes a path whose status-change time (ctime) is not older than
 * the start as changed by the run.
 *
 * The kernel dates changes with a coarse clock: a tick of 1-10 ms, so the preparation's last
 * changes (`cp -a` setting a copied tree's times and owners, a hard link made last, the stubs)
 * and a marker written just after them often share one ctime. Those paths then looked changed by
 * the run, and a layer held files the step never touched (seen once in a CI run, for a pair of
 * hard links). The marker is written again until its ctime has moved past the first one's: every
 * change made before the call is then strictly older, and every change the run makes is at least
 * as recent.
 */
import { lstatSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long to wait for the clock to move before settling for the first ctime (a frozen clock). */
const MAX_WAIT_MS = 2_000;

/**
 * Writes `marker` and returns a ctime later than every change made before the call. On a
 * filesystem that dates files to the second this waits up to a second.
 */
export async function runStartCtime(marker: string, signal?: AbortSignal): Promise<bigint> {
  writeFileSync(marker, '0');
  const first = lstatSync(marker, { bigint: true }).ctimeNs;
  const started = Date.now();
  for (let write = 1; Date.now() - started < MAX_WAIT_MS; write++) {
    await sleep(1, undefined, { signal });
    writeFileSync(marker, String(write));
    const now = lstatSync(marker, { bigint: true }).ctimeNs;
    if (now > first) return now;
  }
  // A clock that never moves: the first time, which may take a prepared path as changed but
  // never misses a change of the run.
  return first;
}
