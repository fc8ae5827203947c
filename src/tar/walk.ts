/**
 * Walking a directory tree for layer creation (image-spec layer.md "Creating"): lstat-based
 * (symlinks are entries, never followed), children sorted byte-wise by UTF-8 name so every
 * directory's subtree is contiguous and parents come first, and hard links detected by
 * device + inode (the first path gets the content, later ones become hard links; layer.md
 * "Hardlinks"). Synchronous calls on purpose: per-file async round trips dominate small files.
 *
 * Extended attributes are not part of a walk: layer building reads them for the whole tree at
 * once (xattr-read.ts).
 * Sockets are skipped: tar cannot represent them.
 */
import { type BigIntStats, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { TarEntryType } from './entry.ts';

/** One path found by {@link walkDirectory}. */
export interface WalkEntry {
  /** Root-relative path with `/` separators, no leading `./`, no trailing `/`. */
  path: string;
  /** Absolute path on disk. */
  absPath: string;
  type: TarEntryType;
  stats: BigIntStats;
  /** Symlink target (symlinks), or the earlier walked path of the same inode (hard links). */
  linkname: string;
}

/** Byte-wise (UTF-8) comparison of two names. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The tar entry type of an lstat result, or undefined for sockets. */
export function typeOfStats(st: BigIntStats): TarEntryType | undefined {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  return undefined;
}

/** Sorted child names of a directory. */
export function sortedChildren(absDir: string): string[] {
  try {
    return readdirSync(absDir).sort(compareNames);
  } catch (err) {
    throw new OciError(ErrorCode.IO_ERROR, `cannot read directory ${absDir}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** lstat with bigint fields (nanosecond times, 64-bit inodes). */
export function lstatBig(absPath: string): BigIntStats {
  try {
    return lstatSync(absPath, { bigint: true });
  } catch (err) {
    throw new OciError(ErrorCode.IO_ERROR, `cannot stat ${absPath}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Tracks inodes already seen, to turn later paths of a multiply-linked file into hard links. */
export class HardlinkTracker {
  private readonly seen = new Map<string, string>();

  /** The earlier path of the same inode, or undefined (and `path` is remembered as the first). */
  check(st: BigIntStats, path: string): string | undefined {
    if (st.nlink < 2n || st.isDirectory()) return undefined;
    const key = `${st.dev}:${st.ino}`;
    const first = this.seen.get(key);
    if (first === undefined) this.seen.set(key, path);
    return first;
  }
}

/** Builds the walk entry of one path, or undefined for a socket. */
export function walkEntryOf(
  absPath: string,
  path: string,
  st: BigIntStats,
  links: HardlinkTracker | undefined,
): WalkEntry | undefined {
  const type = typeOfStats(st);
  if (type === undefined) return undefined;
  if (type === 'symlink') return { path, absPath, type, stats: st, linkname: readlinkSync(absPath) };
  const first = links?.check(st, path);
  if (first !== undefined) return { path, absPath, type: 'link', stats: st, linkname: first };
  return { path, absPath, type, stats: st, linkname: '' };
}

/**
 * Walks `root` depth-first in byte-wise order, yielding every path below it (the root excluded).
 * `links` detects hard links (null: report every path with its own type).
 */
export function* walkTree(
  root: string,
  links: HardlinkTracker | null = new HardlinkTracker(),
): Generator<WalkEntry> {
  const base = root.length > 1 ? root.replace(/\/+$/, '') : root;
  function* visit(rel: string): Generator<WalkEntry> {
    const absDir = rel === '' ? base : `${base}/${rel}`;
    for (const name of sortedChildren(absDir)) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const absPath = `${absDir}/${name}`;
      const entry = walkEntryOf(absPath, path, lstatBig(absPath), links ?? undefined);
      if (entry === undefined) continue;
      yield entry;
      if (entry.type === 'directory') yield* visit(path);
    }
  }
  yield* visit('');
}

/** Every path below `root`, in the order layers are written (see {@link walkTree}). */
export async function walkDirectory(root: string): Promise<WalkEntry[]> {
  return [...walkTree(root)];
}
