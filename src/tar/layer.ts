/**
 * Building reproducible layer tars from directories (image-spec layer.md "Creating"). Output is
 * an uncompressed tar: entries in walk order, names like `etc/passwd` and `etc/` (no `./`),
 * ownership, mode and mtime from lstat, empty uname/gname, device numbers only on devices, and
 * mtimes clamped to a timestamp when given, so the same tree always gives the same bytes.
 * Sub-second mtimes are truncated to whole seconds unless asked for (as Docker does; it also
 * keeps most headers free of PAX records). Extended attributes are read from disk (xattr-read.ts).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { TarEntry } from './entry.ts';
import { END_OF_ARCHIVE, encodeHeader, padding } from './header.ts';
import { HardlinkTracker, type WalkEntry, walkTree } from './walk.ts';
import { readTreeXattrs, type TreeXattrs } from './xattr-read.ts';

/** Options for {@link createLayer} and {@link createChangeset}. */
export interface CreateLayerOptions {
  /** Clamp every mtime to at most this time (seconds since the epoch, or a Date); default SOURCE_DATE_EPOCH when set. */
  timestamp?: number | Date;
  /** Keep sub-second mtimes (as PAX records); default false (whole seconds). */
  subsecondTimes?: boolean;
  /** Record this owner on every entry instead of the one on disk. */
  owner?: { uid: number; gid: number };
  /** Record extended attributes from disk (default true; see xattr-read.ts for which). */
  xattrs?: boolean;
  /** Called for what is left out rather than failed (extended attributes without getfattr). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** Output is flushed in chunks of about this size. */
const CHUNK = 1 << 20;

/** The clamp time in nanoseconds, from the options or SOURCE_DATE_EPOCH; undefined for none. */
export function clampTime(options: CreateLayerOptions): bigint | undefined {
  const t = options.timestamp;
  if (t instanceof Date) return BigInt(t.getTime()) * 1_000_000n;
  if (typeof t === 'number') return BigInt(Math.floor(t)) * 1_000_000_000n;
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && /^\d+$/.test(epoch)) return BigInt(epoch) * 1_000_000_000n;
  return undefined;
}

/** The extended attributes to record for the tree at `root`, by path (none when not asked for). */
export function treeXattrsFor(root: string, options: CreateLayerOptions): TreeXattrs {
  return options.xattrs === false ? new Map() : readTreeXattrs(root, options.onWarning);
}

/**
 * The mtime a layer records for a path whose mtime is `mtimeNs`: whole seconds unless
 * `subsecondTimes`, and never later than `clamp`.
 */
export function layerMtimeNs(
  mtimeNs: bigint,
  options: CreateLayerOptions,
  clamp: bigint | undefined,
): bigint {
  let recorded = mtimeNs;
  if (!options.subsecondTimes) recorded -= ((recorded % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  return clamp !== undefined && recorded > clamp ? clamp : recorded;
}

/** The tar entry for a walked path (content not included), with its attributes from `xattrs`. */
export function entryOfWalk(
  item: WalkEntry,
  options: CreateLayerOptions,
  clamp: bigint | undefined,
  xattrs?: TreeXattrs,
): TarEntry {
  const st = item.stats;
  const mtimeNs = layerMtimeNs(st.mtimeNs, options, clamp);
  const isDevice = item.type === 'character-device' || item.type === 'block-device';
  const rdev = Number(st.rdev);
  return {
    path: item.path,
    type: item.type,
    mode: Number(st.mode) & 0o7777,
    uid: options.owner?.uid ?? Number(st.uid),
    gid: options.owner?.gid ?? Number(st.gid),
    size: item.type === 'file' ? Number(st.size) : 0,
    mtimeNs,
    linkname: item.linkname,
    // Linux dev_t encoding (glibc major()/minor()).
    devmajor: isDevice ? ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff) : 0,
    devminor: isDevice ? (rdev & 0xff) | ((rdev >>> 12) & ~0xff) : 0,
    xattrs: xattrs?.get(item.path) ?? new Map(),
  };
}

/** Accumulates small pieces into large chunks before they go downstream. */
export class ChunkBuffer {
  private parts: Buffer[] = [];
  private bytes = 0;

  push(part: Buffer): void {
    if (part.length === 0) return;
    this.parts.push(part);
    this.bytes += part.length;
  }

  get size(): number {
    return this.bytes;
  }

  take(): Buffer {
    const out = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.bytes);
    this.parts = [];
    this.bytes = 0;
    return out;
  }
}

/**
 * Serialises one entry into `out`, reading file content from `absPath`; yields full chunks as they
 * fill. A file that changes size while read fails with IO_ERROR rather than corrupt the tar.
 */
export function* serialiseEntry(entry: TarEntry, absPath: string, out: ChunkBuffer): Generator<Buffer> {
  out.push(encodeHeader(entry));
  if (entry.type !== 'file' || entry.size === 0) return;
  const fd = openSync(absPath, 'r');
  try {
    let remaining = entry.size;
    while (remaining > 0) {
      const want = Math.min(remaining, CHUNK);
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, got, want - got, null);
        if (n === 0) {
          throw new OciError(ErrorCode.IO_ERROR, `${absPath} shrank while it was being read`, {
            data: { path: absPath },
          });
        }
        got += n;
      }
      out.push(buf);
      remaining -= want;
      if (out.size >= CHUNK) yield out.take();
    }
  } finally {
    closeSync(fd);
  }
  out.push(padding(entry.size));
}

async function* layerChunks(root: string, options: CreateLayerOptions): AsyncGenerator<Buffer> {
  const clamp = clampTime(options);
  const xattrs = treeXattrsFor(root, options);
  const out = new ChunkBuffer();
  for (const item of walkTree(root, new HardlinkTracker())) {
    options.signal?.throwIfAborted();
    yield* serialiseEntry(entryOfWalk(item, options, clamp, xattrs), item.absPath, out);
    if (out.size >= CHUNK) yield out.take();
  }
  out.push(END_OF_ARCHIVE);
  yield out.take();
}

/** An uncompressed, reproducible layer tar of everything below `root` (the root itself is not an entry). */
export function createLayer(root: string, options: CreateLayerOptions = {}): Readable {
  return Readable.from(layerChunks(root, options), { objectMode: false, highWaterMark: 4 * CHUNK });
}
