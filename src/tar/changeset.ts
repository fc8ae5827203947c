/**
 * Changesets between two snapshot directories (image-spec layer.md "Creating", "Whiteouts"):
 * a double walk in byte-wise order, like containerd's. A path is written when it is new or when
 * its type, mode, owner, size, mtime (at the precision the layer records), link target, device
 * number or extended attributes changed; content is not compared (a same-size rewrite that restored the mtime is
 * missed, as with containerd). A path missing from the upper tree becomes an explicit whiteout
 * `.wh.NAME` (W8, W11), written before its siblings (W9). A type change needs no whiteout: the
 * new entry replaces the old path when applied. A directory removed and re-created shows up as a
 * changed directory whose vanished children get explicit whiteouts.
 */
import type { BigIntStats } from 'node:fs';
import { Readable } from 'node:stream';
import { makeEntry } from './entry.ts';
import { END_OF_ARCHIVE, encodeHeader } from './header.ts';
import {
  ChunkBuffer,
  type CreateLayerOptions,
  clampTime,
  entryOfWalk,
  serialiseEntry,
  treeXattrsFor,
} from './layer.ts';
import { WHITEOUT_PREFIX } from './names.ts';
import { HardlinkTracker, lstatBig, sortedChildren, type WalkEntry, walkEntryOf, walkTree } from './walk.ts';
import type { TreeXattrs } from './xattr-read.ts';

const CHUNK = 1 << 20;

function sameMtime(a: BigIntStats, b: BigIntStats, subsecond: boolean): boolean {
  if (subsecond) return a.mtimeNs === b.mtimeNs;
  return a.mtimeNs / 1_000_000_000n === b.mtimeNs / 1_000_000_000n;
}

function sameXattrs(a: Map<string, Buffer> | undefined, b: Map<string, Buffer> | undefined): boolean {
  if ((a?.size ?? 0) !== (b?.size ?? 0)) return false;
  for (const [name, value] of a ?? []) {
    const other = b?.get(name);
    if (other === undefined || !other.equals(value)) return false;
  }
  return true;
}

/** Whether the upper path must be written (metadata comparison, see the module comment). */
function changed(
  lower: WalkEntry,
  upper: WalkEntry,
  subsecond: boolean,
  xattrs: { lower: TreeXattrs; upper: TreeXattrs },
): boolean {
  const a = lower.stats;
  const b = upper.stats;
  if (lower.type !== upper.type && !(upper.type === 'link' && lower.type === 'file')) return true;
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) return true;
  if (!sameXattrs(xattrs.lower.get(lower.path), xattrs.upper.get(upper.path))) return true;
  if (upper.type === 'directory') return !sameMtime(a, b, subsecond);
  if (a.size !== b.size || a.rdev !== b.rdev || !sameMtime(a, b, subsecond)) return true;
  return upper.type === 'symlink' && lower.linkname !== upper.linkname;
}

async function* changesetChunks(
  lowerRoot: string,
  upperRoot: string,
  options: CreateLayerOptions,
): AsyncGenerator<Buffer> {
  const clamp = clampTime(options);
  const subsecond = options.subsecondTimes === true;
  const out = new ChunkBuffer();
  // Hard links are recorded only among written paths: an unchanged first link stays out of the layer.
  const links = new HardlinkTracker();
  const lowerBase = lowerRoot.replace(/(.)\/+$/, '$1');
  const upperBase = upperRoot.replace(/(.)\/+$/, '$1');
  const whiteoutTime = clamp ?? 0n;
  // The only warning (no getfattr) holds for both trees alike: it is reported by the upper one.
  const xattrs = {
    lower: treeXattrsFor(lowerBase, { ...options, onWarning: undefined }),
    upper: treeXattrsFor(upperBase, options),
  };

  function* emit(item: WalkEntry): Generator<Buffer> {
    const first = item.type === 'directory' ? undefined : links.check(item.stats, item.path);
    const resolved: WalkEntry = first !== undefined ? { ...item, type: 'link', linkname: first } : item;
    yield* serialiseEntry(entryOfWalk(resolved, options, clamp, xattrs.upper), item.absPath, out);
    if (out.size >= CHUNK) yield out.take();
  }

  function* addTree(rel: string): Generator<Buffer> {
    for (const item of walkTree(`${upperBase}/${rel}`, null)) {
      yield* emit({ ...item, path: `${rel}/${item.path}` });
    }
  }

  function* diffDir(rel: string): Generator<Buffer> {
    options.signal?.throwIfAborted();
    const lowerAbs = rel === '' ? lowerBase : `${lowerBase}/${rel}`;
    const upperAbs = rel === '' ? upperBase : `${upperBase}/${rel}`;
    const lowerNames = sortedChildren(lowerAbs);
    const upperNames = sortedChildren(upperAbs);
    const upperSet = new Set(upperNames);
    // Whiteouts first (W9).
    for (const name of lowerNames) {
      if (upperSet.has(name)) continue;
      const path = rel === '' ? `${WHITEOUT_PREFIX}${name}` : `${rel}/${WHITEOUT_PREFIX}${name}`;
      out.push(encodeHeader(makeEntry({ path, type: 'file', mode: 0o644, mtimeNs: whiteoutTime })));
    }
    const lowerSet = new Set(lowerNames);
    for (const name of upperNames) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const upper = walkEntryOf(`${upperAbs}/${name}`, path, lstatBig(`${upperAbs}/${name}`), undefined);
      if (upper === undefined) continue;
      const lower = lowerSet.has(name)
        ? walkEntryOf(`${lowerAbs}/${name}`, path, lstatBig(`${lowerAbs}/${name}`), undefined)
        : undefined;
      if (lower === undefined) {
        yield* emit(upper);
        if (upper.type === 'directory') yield* addTree(path);
        continue;
      }
      if (changed(lower, upper, subsecond, xattrs)) yield* emit(upper);
      if (upper.type === 'directory') {
        if (lower.type === 'directory') yield* diffDir(path);
        else yield* addTree(path);
      }
    }
  }

  yield* diffDir('');
  out.push(END_OF_ARCHIVE);
  yield out.take();
}

/**
 * An uncompressed layer tar holding what changed from `lowerRoot` to `upperRoot`: additions and
 * modifications in full, removals as whiteouts. Reproducible like {@link createLayer}.
 */
export function createChangeset(
  lowerRoot: string,
  upperRoot: string,
  options: CreateLayerOptions = {},
): Readable {
  return Readable.from(changesetChunks(lowerRoot, upperRoot, options), {
    objectMode: false,
    highWaterMark: 4 * CHUNK,
  });
}
