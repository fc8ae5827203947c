/**
 * Opening files of an untrusted layout directory. A layout may plant a symlink (to a private key,
 * to /dev/zero), a FIFO, a device or a folder where a regular file belongs, or make a blob folder
 * a symlink to somewhere else. Nothing here follows a symlink or opens a special file: the entry
 * is lstat'ed first (a special file is never opened, so a FIFO never blocks), then opened with
 * O_NOFOLLOW|O_NONBLOCK and fstat'ed (an entry swapped in between is still caught).
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { SupportedAlgorithm } from '../digest/index.ts';
import { ErrorCode, OciError, toOciError } from '../errors/index.ts';
import { BLOBS_DIR } from './blob-path.ts';

const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** A regular file opened for reading, with its size and modification time as fstat gave them. */
export interface RegularFile {
  handle: FileHandle;
  size: number;
  mtimeMs: number;
}

/** What kind of entry `info` is, in words for messages ("a symbolic link", "a FIFO", …). */
export function entryKind(info: Stats): string {
  if (info.isFile()) return 'a regular file';
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** The INVALID_LAYOUT error for a layout entry that is not what it must be. */
export function notRegularFile(path: string, kind: string, expected = 'a regular file'): OciError {
  return new OciError(ErrorCode.INVALID_LAYOUT, `${path} is ${kind}, not ${expected}; refusing to use it`, {
    data: { path, kind, expected },
  });
}

/** lstat that yields undefined for a missing entry and an OciError for any other failure. */
export async function lstatEntry(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'ENOENT' ||
      (err as NodeJS.ErrnoException).code === 'ENOTDIR'
    ) {
      return undefined;
    }
    throw toOciError(err);
  }
}

/**
 * Opens `path` for reading only if it is a regular file. Missing: NOT_FOUND (cause ENOENT);
 * a symlink, folder, FIFO, socket or device: INVALID_LAYOUT, without ever opening it.
 */
export async function openRegularFile(path: string): Promise<RegularFile> {
  const before = await lstatEntry(path);
  if (before === undefined) {
    const cause = Object.assign(new Error(`ENOENT: no such file: ${path}`), { code: 'ENOENT' });
    throw new OciError(ErrorCode.NOT_FOUND, `${path} does not exist`, { data: { path }, cause });
  }
  if (!before.isFile()) throw notRegularFile(path, entryKind(before));
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ELOOP: the file became a symlink after the lstat (O_NOFOLLOW refused it).
    if (code === 'ELOOP') throw notRegularFile(path, 'a symbolic link');
    throw toOciError(err);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegularFile(path, entryKind(info));
    return { handle, size: info.size, mtimeMs: info.mtimeMs };
  } catch (err) {
    await handle.close().catch(() => {});
    throw toOciError(err);
  }
}

/**
 * Reads the open file from its start up to EOF, but never more than `limit + 1` bytes: a result
 * longer than `limit` means the file holds more than allowed (it may have grown since fstat).
 * `sizeHint` (the fstat size) sizes the first buffer so a file read whole takes one allocation.
 */
export async function readAtMost(handle: FileHandle, limit: number, sizeHint = limit): Promise<Buffer> {
  let buffer = Buffer.allocUnsafe(Math.min(sizeHint, limit) + 1);
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) {
      if (filled > limit) return buffer;
      const grown = Buffer.allocUnsafe(Math.min(buffer.length * 2, limit + 1));
      buffer.copy(grown, 0, 0, filled);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) return buffer.subarray(0, filled);
    filled += bytesRead;
  }
}

/** Throws INVALID_LAYOUT when `path` exists and is not a real directory (a symlink to one included). */
export async function requireRealDirectory(path: string): Promise<boolean> {
  const info = await lstatEntry(path);
  if (info === undefined) return false;
  if (!info.isDirectory()) throw notRegularFile(path, entryKind(info), 'a directory');
  return true;
}

/**
 * Checks that `blobs/` and `blobs/<algorithm>/` of the layout at `root` are real directories, not
 * symlinks out of the layout (writes, reads and deletes through them would land elsewhere).
 * False when either is absent.
 */
export async function checkBlobDirs(root: string, algorithm: SupportedAlgorithm): Promise<boolean> {
  if (!(await requireRealDirectory(join(root, BLOBS_DIR)))) return false;
  return requireRealDirectory(join(root, BLOBS_DIR, algorithm));
}

/**
 * Creates `blobs/` and `blobs/<algorithm>/` under `root` when missing, one level at a time, and
 * requires each to be a real directory, so nothing is ever created or written through a symlink.
 */
export async function ensureBlobDir(root: string, algorithm: SupportedAlgorithm): Promise<string> {
  const blobs = join(root, BLOBS_DIR);
  const dir = join(blobs, algorithm);
  await ensureRealDirectory(blobs);
  await ensureRealDirectory(dir);
  return dir;
}

/** Creates the folder `path` when missing (its parent must exist), then requires it to be a real directory. */
export async function ensureRealDirectory(path: string): Promise<void> {
  // The usual case, an existing folder, costs one lstat; mkdir is only tried when it is absent.
  if (await requireRealDirectory(path)) return;
  try {
    await mkdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw toOciError(err);
  }
  await requireRealDirectory(path);
}
