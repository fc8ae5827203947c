/**
 * Names of temp files written inside a layout. A name carries the writer's host and pid so a
 * sweep can tell a crashed writer's leftovers from a live writer's file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
const TEMP = /^(?:.*\.)?([0-9a-f]{8})-(\d+)-[0-9a-f]{12}\.tmp$/;

/** Temp files of another host are only considered stale after this long. */
export const FOREIGN_TEMP_STALE_MS = 24 * 60 * 60 * 1000;

/** A fresh temp file name, `<prefix><host>-<pid>-<random>.tmp`. */
export function tempName(prefix = ''): string {
  return `${prefix}${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

/** True when `pid` names a live process on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * True when `name` is one of our temp names whose writer is gone: a dead pid on this host, or
 * older than {@link FOREIGN_TEMP_STALE_MS} when written by another host.
 */
export function isStaleTemp(name: string, mtimeMs: number, now = Date.now()): boolean {
  const match = TEMP.exec(name);
  if (match === null) return false;
  if (match[1] === HOST_TAG) return !processAlive(Number(match[2]));
  return now - mtimeMs > FOREIGN_TEMP_STALE_MS;
}
