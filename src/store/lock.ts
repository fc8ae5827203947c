/**
 * An exclusive lock between processes, held as a lock file (no dependency, no native flock).
 * The lock file is written complete under a private name and then hard-linked into place, which
 * fails with EEXIST while another process holds it, so a holder's identity is never half-written.
 * A lock whose holder died (same host, pid gone) or that is far too old (another host) is broken.
 */
import { randomUUID } from 'node:crypto';
import { copyFile, constants as fsConstants, link, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, isOciError, OciError, toOciError } from '../errors/index.ts';
import { entryKind, lstatEntry, openRegularFile, readAtMost } from './safe-file.ts';
import { processAlive, tempName } from './temp-names.ts';

/** Options of {@link withFileLock}. */
export interface LockOptions {
  /** Give up with LOCKED after this long (default 60 s). */
  timeoutMs?: number;
  /** A lock held by another host (or unreadable) is broken after this long (default 10 min). */
  staleMs?: number;
  signal?: AbortSignal;
}

interface LockOwner {
  pid: number;
  host: string;
  token: string;
  time: number;
}

interface Observed {
  raw: string;
  owner: LockOwner | undefined;
  mtimeMs: number;
}

const UNREADABLE_STALE_MS = 10_000;
/** A lock file holds one short JSON object; more than this is not ours and is read no further. */
const MAX_LOCK_BYTES = 4096;

/** Runs `fn` while holding the lock file at `lockPath`; the lock is released however `fn` ends. */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const token = await acquire(lockPath, options);
  try {
    return await fn();
  } finally {
    await release(lockPath, token);
  }
}

async function acquire(lockPath: string, options: LockOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const staleMs = options.staleMs ?? 600_000;
  const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomUUID(), time: Date.now() };
  const staging = `${lockPath}.${tempName()}`;
  const started = Date.now();
  let delay = 2;
  try {
    await writeFile(staging, JSON.stringify(owner), { flag: 'wx' });
    for (;;) {
      options.signal?.throwIfAborted();
      if (await tryPlace(staging, lockPath)) return owner.token;
      const observed = await observe(lockPath);
      if (observed === undefined) continue; // released in between: try again at once
      if (isStale(observed, staleMs)) {
        await breakLock(lockPath, observed);
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw new OciError(ErrorCode.LOCKED, `${lockPath} is held by pid ${observed.owner?.pid ?? '?'}`, {
          data: { lock: lockPath, owner: observed.owner },
          retryable: true,
        });
      }
      // Exponential backoff with jitter keeps many waiting processes from retrying in step.
      await sleep(delay + Math.random() * delay, undefined, { signal: options.signal });
      delay = Math.min(delay * 2, 100);
    }
  } catch (err) {
    throw toOciError(err);
  } finally {
    await removeFile(staging);
  }
}

/** Puts the complete staging file in place as the lock; false when the lock is already held. */
async function tryPlace(staging: string, lockPath: string): Promise<boolean> {
  try {
    await link(staging, lockPath);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  }
  // Filesystems without hard links: an O_EXCL copy (briefly empty while written).
  try {
    await copyFile(staging, lockPath, fsConstants.COPYFILE_EXCL);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * The lock file's content and mtime, undefined when there is none. Only a regular file is opened:
 * a FIFO, folder or symlink planted as the lock reads as an unreadable lock (so it goes stale and
 * is broken) and is never opened, so it cannot block or redirect the read. The lock is read at
 * every acquisition and release, so the common case makes one lstat, one fstat and one read.
 */
async function readLock(path: string): Promise<{ raw: string; mtimeMs: number } | undefined> {
  try {
    const { handle, size, mtimeMs } = await openRegularFile(path);
    try {
      return { raw: (await readAtMost(handle, MAX_LOCK_BYTES, size)).toString('utf8'), mtimeMs };
    } finally {
      await handle.close().catch(() => {});
    }
  } catch (err) {
    if (isOciError(err, ErrorCode.NOT_FOUND)) return undefined;
    if (!isOciError(err, ErrorCode.INVALID_LAYOUT)) throw err;
  }
  // Not a regular file: what it is and which entry, so a replaced one reads differently.
  const info = await lstatEntry(path);
  if (info === undefined) return undefined;
  return { raw: `${entryKind(info)} ${info.dev}:${info.ino}`, mtimeMs: info.mtimeMs };
}

async function observe(lockPath: string): Promise<Observed | undefined> {
  const read = await readLock(lockPath);
  if (read === undefined) return undefined;
  const { raw, mtimeMs } = read;
  let owner: LockOwner | undefined;
  try {
    const value = JSON.parse(raw) as Partial<LockOwner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string') {
      owner = value as LockOwner;
    }
  } catch {
    owner = undefined;
  }
  return { raw, owner, mtimeMs };
}

function isStale(observed: Observed, staleMs: number): boolean {
  const age = Date.now() - observed.mtimeMs;
  if (observed.owner === undefined) return age > UNREADABLE_STALE_MS;
  if (observed.owner.host === hostname()) return !processAlive(observed.owner.pid);
  return age > staleMs;
}

/**
 * Removes a stale lock without removing a fresh one that replaced it: the lock is renamed away
 * atomically, and if what was taken is not the stale lock we judged, it is linked back.
 */
async function breakLock(lockPath: string, observed: Observed): Promise<void> {
  const grave = `${lockPath}.${randomUUID()}.stale`;
  try {
    await rename(lockPath, grave);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    const taken = (await readLock(grave))?.raw;
    if (taken !== observed.raw) await link(grave, lockPath).catch(() => {});
  } finally {
    // What was broken may be a folder planted as the lock: removed whole (rm follows no symlink).
    await rm(grave, { recursive: true, force: true });
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  const observed = await observe(lockPath).catch(() => undefined);
  if (observed?.owner?.token === token) await removeFile(lockPath);
}

/** Unlinks a file that may already be gone (`rm` with `force` would lstat it twice first). */
async function removeFile(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
