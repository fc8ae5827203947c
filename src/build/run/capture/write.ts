/**
 * A settled change plan written as a reproducible layer tar with the project's layer writer
 * (tar/layer.ts): entries in plan order, names without `./`, owners, modes, device numbers and
 * extended attributes from disk, mtimes clamped as asked; a path sharing its inode with one
 * written before it becomes a tar hard link to it (layer.md "Hardlinks"); whiteouts are empty
 * regular files (layer.md W8) dated at the clamp time (or the epoch).
 */
import { Readable } from 'node:stream';
import { makeEntry } from '../../../tar/entry.ts';
import { END_OF_ARCHIVE, encodeHeader } from '../../../tar/header.ts';
import {
  ChunkBuffer,
  type CreateLayerOptions,
  clampTime,
  entryOfWalk,
  serialiseEntry,
} from '../../../tar/layer.ts';
import { HardlinkTracker } from '../../../tar/walk.ts';
import type { TreeXattrs } from '../../../tar/xattr-read.ts';
import type { ChangeItem } from './plan.ts';

/** Output is handed on in chunks of about this size. */
const CHUNK = 1 << 20;

/** Options of {@link writePlan}. */
export interface WritePlanOptions {
  /** Clamp mtimes to this time (seconds since the epoch); default SOURCE_DATE_EPOCH when set. */
  readonly timestamp?: number;
  /** Keep sub-second mtimes (PAX records); default whole seconds, as Docker writes layers. */
  readonly subsecond?: boolean;
  readonly signal?: AbortSignal;
}

/** How many tar entries a settled plan writes. */
export function countEntries(items: readonly ChangeItem[]): number {
  let n = 0;
  for (const item of items) if (item.kind === 'whiteout' || item.status === 'emit') n++;
  return n;
}

/** The layer writer's options for a plan written with `options`, and the clamp time they give. */
export function planTimes(options: WritePlanOptions): {
  layerOptions: CreateLayerOptions;
  clamp: bigint | undefined;
} {
  const layerOptions = {
    ...(options.timestamp !== undefined ? { timestamp: options.timestamp } : {}),
    subsecondTimes: options.subsecond === true,
  };
  return { layerOptions, clamp: clampTime(layerOptions) };
}

async function* chunks(
  items: readonly ChangeItem[],
  xattrs: TreeXattrs,
  options: WritePlanOptions,
): AsyncGenerator<Buffer> {
  const { layerOptions, clamp } = planTimes(options);
  const links = new HardlinkTracker();
  const out = new ChunkBuffer();
  for (const item of items) {
    options.signal?.throwIfAborted();
    if (item.kind === 'whiteout') {
      out.push(encodeHeader(makeEntry({ path: item.path, type: 'file', mode: 0o644, mtimeNs: clamp ?? 0n })));
    } else if (item.status === 'emit') {
      const first =
        item.entry.type === 'directory' ? undefined : links.check(item.entry.stats, item.entry.path);
      const walked =
        first === undefined ? item.entry : { ...item.entry, type: 'link' as const, linkname: first };
      yield* serialiseEntry(entryOfWalk(walked, layerOptions, clamp, xattrs), item.entry.absPath, out);
    }
    if (out.size >= CHUNK) yield out.take();
  }
  out.push(END_OF_ARCHIVE);
  yield out.take();
}

/** The uncompressed layer tar of a settled plan (see settlePlan in plan.ts). */
export function writePlan(
  items: readonly ChangeItem[],
  xattrs: TreeXattrs,
  options: WritePlanOptions = {},
): Readable {
  return Readable.from(chunks(items, xattrs, options), { objectMode: false, highWaterMark: 4 * CHUNK });
}
