/**
 * One directory of an image's merged filesystem as a list on disk (layer.md "Applying
 * Changesets"). Each layer's listing is read once, filtered to the directory; every child it
 * writes, implies (an entry deeper below) or deletes (a whiteout) becomes one small record, and an
 * external sort orders the records by name, upper layer first, so that each name is resolved from
 * its own few records as they stream past. The result is written to a {@link PagedList} kept for
 * later pages, so memory stays flat however many children the directory has. Whiteouts apply to
 * the layers below theirs only (layer.md "Whiteouts").
 */

import { join } from 'node:path';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { Image } from '../image/types.ts';
import { isWithin, type LayerEntry } from './layers/entries.ts';
import { ExternalSort } from './layers/external-sort.ts';
import { layerListing, listingFolder } from './layers/listing.ts';
import { type PagedList, PagedListWriter } from './layers/paged-list.ts';

/** A path of the merged filesystem and the layer that last wrote it. */
export interface MergedEntry extends Omit<LayerEntry, 'whiteout'> {
  name: string;
  layer: number;
}

/** The children of a directory, sorted by name, read from disk one page at a time with `slice`. */
export type DirectoryListing = PagedList<MergedEntry>;

const WHITEOUT = 0;
const IMPLIED = 1;
const ENTRY = 2;

/** A layer's record of one child: its name, the layer, its order in the layer, and what it does. */
type ChildRecord = [
  name: string,
  layer: number,
  seq: number,
  kind: typeof WHITEOUT | typeof IMPLIED | typeof ENTRY,
  entry?: Omit<LayerEntry, 'whiteout'>,
];

function byNameUpperFirst(a: ChildRecord, b: ChildRecord): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return b[1] - a[1] || a[2] - b[2];
}

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at === -1 ? '' : path.slice(0, at);
}

/** Most merged directories whose list is kept (the oldest is removed beyond). */
const MAX_DIRECTORIES = 64;
const kept = new Map<string, DirectoryListing>();
const pending = new Map<string, Promise<DirectoryListing>>();
let serial = 0;

/** Sorts the children records of `dir` in every layer; says whether `dir` exists and the lowest layer that counts. */
async function childRecords(
  image: Image,
  dir: string,
  sort: ExternalSort<ChildRecord>,
): Promise<{ exists: boolean; base: number }> {
  let exists = dir === '';
  let base = 0;
  const prefix = dir === '' ? '' : `${dir}/`;
  // Only the directory, what lies below it, and its parents (whose whiteouts can delete it).
  const wanted = (path: string) => isWithin(path, dir) || isWithin(dir, path);
  for (const [index, layer] of image.layers().entries()) {
    let deleted = false;
    let hides = false;
    let self: string | undefined;
    let below = false;
    let lastImplied: string | undefined;
    let seq = 0;
    for await (const entry of layerListing(layer, { wanted }).entries) {
      const { whiteout, ...info } = entry;
      if (whiteout === 'opaque') {
        if (isWithin(dir, info.path)) hides = true;
      } else if (whiteout === 'file') {
        if (isWithin(dir, info.path)) deleted = hides = true;
        else if (parentOf(info.path) === dir)
          await sort.add([info.path.slice(prefix.length), index, seq++, WHITEOUT]); // a whiteout is rare
      } else if (info.path === dir) self = info.type;
      else if (isWithin(info.path, dir)) {
        below = true;
        const rest = info.path.slice(prefix.length);
        const slash = rest.indexOf('/');
        let wait: Promise<void> | undefined;
        if (slash === -1) wait = sort.add([rest, index, seq++, ENTRY, info]);
        else {
          const name = rest.slice(0, slash);
          if (name !== lastImplied) wait = sort.add([name, index, seq++, IMPLIED]);
          lastImplied = name;
        }
        if (wait !== undefined) await wait;
      }
    }
    if (hides) base = index;
    if (deleted) exists = false;
    if (self !== undefined) exists = self === 'directory';
    if (below) exists = true;
  }
  return { exists, base };
}

/**
 * Resolves the sorted records name by name: the topmost entry, else the lowest implied directory,
 * above any whiteout of the name and below no layer that hid the whole directory (`base`).
 */
class Resolver {
  private readonly prefix: string;
  private readonly base: number;
  private name: string | undefined;
  private entry: MergedEntry | undefined;
  private entryLayer = -1;
  private implied = -1;
  private floor: number;

  /** A resolver of the children of `dir`, ignoring every layer below `base`. */
  constructor(dir: string, base: number) {
    this.prefix = dir === '' ? '' : `${dir}/`;
    this.base = base;
    this.floor = base;
  }

  /** Takes the next record; returns the previous name's child when this one starts a new name. */
  push(record: ChildRecord): MergedEntry | undefined {
    let done: MergedEntry | undefined;
    if (record[0] !== this.name) {
      done = this.finish();
      this.name = record[0];
      this.entry = undefined;
      this.entryLayer = -1;
      this.implied = -1;
      this.floor = this.base;
    }
    const layer = record[1];
    if (layer < this.floor) return done;
    if (record[3] === WHITEOUT) this.floor = layer;
    else if (record[3] === IMPLIED) this.implied = layer;
    else if (record[4] !== undefined && (this.entryLayer === -1 || this.entryLayer === layer)) {
      this.entry = { ...record[4], name: record[0], layer };
      this.entryLayer = layer;
    }
    return done;
  }

  /** The current name's child, if it has one. */
  finish(): MergedEntry | undefined {
    if (this.entry !== undefined) return this.entry;
    if (this.implied === -1 || this.name === undefined) return undefined;
    return {
      path: `${this.prefix}${this.name}`,
      name: this.name,
      type: 'directory',
      size: 0,
      mode: 0o755,
      uid: 0,
      gid: 0,
      layer: this.implied,
    };
  }
}

async function build(image: Image, dir: string): Promise<DirectoryListing> {
  const sort = new ExternalSort<ChildRecord>(byNameUpperFirst);
  const writer = new PagedListWriter<MergedEntry>(join(listingFolder(), `dir-${process.pid}-${serial++}`));
  try {
    const { exists, base } = await childRecords(image, dir, sort);
    if (!exists) throw new OciError(ErrorCode.NOT_FOUND, `/${dir} is not a directory of the image`);
    const resolver = new Resolver(dir, base);
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

/** The children of directory `dir` of `image`, sorted by name; NOT_FOUND when it is not a directory of the image. */
export async function mergedDirectory(image: Image, dir: string): Promise<DirectoryListing> {
  const key = `${image
    .layers()
    .map((l) => l.descriptor.digest)
    .join(',')}\u0000${dir}`;
  const known = kept.get(key);
  if (known !== undefined) {
    kept.delete(key);
    kept.set(key, known);
    return known;
  }
  let making = pending.get(key);
  if (making === undefined) {
    making = build(image, dir).then(async (listing) => {
      if (kept.size >= MAX_DIRECTORIES) {
        const [oldest, dropped] = kept.entries().next().value as [string, DirectoryListing];
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
