/**
 * One directory of an image's merged filesystem as a list on disk (layer.md "Applying
 * Changesets"). Each layer's listing is read once, filtered to the directory, its parents and what
 * lies below it. A {@link PathTracker} follows the directory itself through the layers: whether it
 * is still a directory, and since when its children count (a whiteout or opaque whiteout of it or
 * a parent, or a non-directory written at it or a parent, removes every child before). Every child
 * a layer writes, implies (an entry deeper below) or deletes (a whiteout) becomes one small record;
 * an external sort orders the records by name, lower layer first, so that each name is resolved
 * from its own few records as they stream past. The result is written to a {@link PagedList} kept
 * for later pages, so memory stays flat however many children the directory has.
 */

import { join } from 'node:path';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { Image } from '../image/types.ts';
import { isWithin, type LayerEntry } from './layers/entries.ts';
import { ExternalSort } from './layers/external-sort.ts';
import { layerListing, listingFolder } from './layers/listing.ts';
import { type PagedList, PagedListWriter } from './layers/paged-list.ts';
import { before, implied, isBelow, type MergedEntry, type Moment, PathTracker } from './path-tracker.ts';

export type { MergedEntry } from './path-tracker.ts';

/** The children of a directory, sorted by name, read from disk one page at a time with `slice`. */
export interface DirectoryListing {
  /** How many children the directory has. */
  readonly length: number;
  /** Children `start` (inclusive) to `end` (exclusive), as `Array.prototype.slice` would pick them. */
  slice(start?: number, end?: number): Promise<MergedEntry[]>;
}

/** What a layer's record does to one child: delete it from the lower layers, write it, or imply it is a directory. */
type Effect = 'deleted' | 'written' | 'implied';

/** A layer's record of one child of the directory listed (its path is the directory's prefix + `name`). */
interface ChildRecord {
  name: string;
  layer: number;
  /** The entry's number in its layer; `-1` for a whiteout, which applies before the layer's entries. */
  seq: number;
  effect: Effect;
  /** For `written`: the entry written. */
  entry?: Omit<LayerEntry, 'whiteout' | 'path'>;
}

function byNameLowerFirst(a: ChildRecord, b: ChildRecord): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.layer - b.layer || a.seq - b.seq;
}

/** Sorts the children records of `dir` in every layer; returns the tracker of `dir` itself. */
async function childRecords(
  image: Image,
  dir: string,
  sort: ExternalSort<ChildRecord>,
): Promise<PathTracker> {
  const tracker = new PathTracker(dir);
  const prefix = dir === '' ? '' : `${dir}/`;
  // Only the directory, what lies below it, and its parents (which can delete or replace it).
  const wanted = (path: string) => isWithin(path, dir) || isWithin(dir, path);
  for (const [layer, source] of image.layers().entries()) {
    tracker.startLayer(layer);
    let seq = 0;
    let lastImplied: string | undefined;
    for await (const entry of layerListing(source, { wanted }).entries) {
      seq++;
      tracker.see(entry, seq);
      if (!isBelow(entry.path, dir)) {
        lastImplied = undefined; // the directory may have been reset: imply its children anew
        continue;
      }
      const rest = entry.path.slice(prefix.length);
      const slash = rest.indexOf('/');
      let record: ChildRecord | undefined;
      if (slash === -1 && entry.whiteout === 'file')
        record = { name: rest, layer, seq: -1, effect: 'deleted' };
      else if (slash === -1 && entry.whiteout === undefined) {
        const { whiteout: _, path: __, ...info } = entry;
        record = { name: rest, layer, seq, effect: 'written', entry: info };
        lastImplied = undefined;
      } else {
        // An entry deeper below, or an opaque whiteout of the child: the child is a directory.
        const name = slash === -1 ? rest : rest.slice(0, slash);
        if (name !== lastImplied) record = { name, layer, seq, effect: 'implied' };
        lastImplied = name;
      }
      const wait = record === undefined ? undefined : sort.add(record);
      if (wait !== undefined) await wait;
    }
    tracker.endLayer();
  }
  return tracker;
}

/**
 * Resolves the sorted records name by name, lower layer first, from the moment `since` on: a
 * whiteout deletes the child, an entry writes it, an entry deeper below makes it a directory if it
 * is not one.
 */
class ChildResolver {
  private readonly prefix: string;
  private readonly since: Moment;
  private name: string | undefined;
  private child: MergedEntry | undefined;

  /** A resolver of the children of `dir`, ignoring every record before `since`. */
  constructor(dir: string, since: Moment) {
    this.prefix = dir === '' ? '' : `${dir}/`;
    this.since = since;
  }

  /** Takes the next record; returns the previous name's child when this one starts a new name. */
  push(record: ChildRecord): MergedEntry | undefined {
    let done: MergedEntry | undefined;
    if (record.name !== this.name) {
      done = this.child;
      this.name = record.name;
      this.child = undefined;
    }
    if (before(record, this.since)) return done;
    const path = `${this.prefix}${record.name}`;
    if (record.effect === 'deleted') this.child = undefined;
    else if (record.effect === 'implied') this.child = implied(this.child, path, record.layer);
    else if (record.entry !== undefined)
      this.child = { ...record.entry, path, name: record.name, layer: record.layer };
    return done;
  }

  /** The current name's child, if it has one. */
  finish(): MergedEntry | undefined {
    return this.child;
  }
}

async function build(image: Image, dir: string): Promise<PagedList<MergedEntry>> {
  const sort = new ExternalSort<ChildRecord>(byNameLowerFirst);
  const writer = new PagedListWriter<MergedEntry>(join(listingFolder(), `dir-${process.pid}-${serial++}`));
  try {
    const tracker = await childRecords(image, dir, sort);
    if (!tracker.isDirectory)
      throw new OciError(ErrorCode.NOT_FOUND, `/${dir} is not a directory of the image`);
    const resolver = new ChildResolver(dir, tracker.since);
    for await (const batch of sort.sorted()) {
      for (const record of batch) {
        const child = resolver.push(record);
        const wait = child === undefined ? undefined : writer.add(child);
        if (wait !== undefined) await wait;
      }
    }
    const last = resolver.finish();
    if (last !== undefined) await writer.add(last);
    return await writer.finish();
  } catch (err) {
    await sort.close();
    await writer.abandon();
    throw err;
  }
}

/** Most merged directories whose list is kept (the oldest is removed beyond). */
const MAX_DIRECTORIES = 64;
/** Times a read of a listing removed meanwhile is retried from a fresh one. */
const REREADS = 3;
const kept = new Map<string, PagedList<MergedEntry>>();
const pending = new Map<string, Promise<PagedList<MergedEntry>>>();
let serial = 0;

/** The kept list of the children of `dir`, built when not kept. */
function keptList(image: Image, dir: string): Promise<PagedList<MergedEntry>> {
  const key = `${image
    .layers()
    .map((l) => l.descriptor.digest)
    .join(',')}\u0000${dir}`;
  const known = kept.get(key);
  if (known !== undefined) {
    kept.delete(key);
    kept.set(key, known);
    return Promise.resolve(known);
  }
  let making = pending.get(key);
  if (making === undefined) {
    making = build(image, dir).then(async (listing) => {
      if (kept.size >= MAX_DIRECTORIES) {
        const [oldest, dropped] = kept.entries().next().value as [string, PagedList<MergedEntry>];
        kept.delete(oldest);
        await dropped.remove();
      }
      kept.set(key, listing);
      return listing;
    });
    pending.set(key, making);
    making.then(
      () => pending.delete(key),
      () => pending.delete(key),
    );
  }
  return making;
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * A kept list as handed out: when the cache removed its file before a page was read (another
 * request evicted it), the page is read from the list built again.
 */
class KeptListing implements DirectoryListing {
  readonly length: number;
  private list: PagedList<MergedEntry>;
  private readonly rebuild: () => Promise<PagedList<MergedEntry>>;

  /** The handed-out `list`, read again from `rebuild()` when its file is gone. */
  constructor(list: PagedList<MergedEntry>, rebuild: () => Promise<PagedList<MergedEntry>>) {
    this.list = list;
    this.length = list.length;
    this.rebuild = rebuild;
  }

  /** Children `start` (inclusive) to `end` (exclusive), read from disk. */
  async slice(start?: number, end?: number): Promise<MergedEntry[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.list.slice(start, end);
      } catch (err) {
        if (!isMissing(err) || attempt === REREADS) throw err;
        this.list = await this.rebuild();
      }
    }
  }
}

/** The children of directory `dir` of `image`, sorted by name; NOT_FOUND when it is not a directory of the image. */
export async function mergedDirectory(image: Image, dir: string): Promise<DirectoryListing> {
  return new KeptListing(await keptList(image, dir), () => keptList(image, dir));
}
