/**
 * The records a directory's children leave in each layer (layer.md "Applying Changesets"): every
 * child a layer writes, implies (an entry deeper below) or deletes (a whiteout) becomes one small
 * record, and a {@link ChildResolver} turns a name's records, lower layer first, into the child
 * the merged filesystem shows. A {@link PathTracker} follows the directory itself meanwhile:
 * whether it is still a directory, and since when its children count.
 */
import type { Image } from '../image/types.ts';
import { isWithin, type LayerEntry } from './layers/entries.ts';
import { layerListing } from './layers/listing.ts';
import { before, implied, isBelow, type MergedEntry, type Moment, PathTracker } from './path-tracker.ts';

/** What a layer's record does to one child: delete it from the lower layers, write it, or imply it is a directory. */
export type Effect = 'deleted' | 'written' | 'implied';

/** A layer's record of one child of the directory listed (its path is the directory's prefix + `name`). */
export interface ChildRecord {
  name: string;
  layer: number;
  /** The entry's number in its layer; `-1` for a whiteout, which applies before the layer's entries. */
  seq: number;
  effect: Effect;
  /** For `written`: the entry written. */
  entry?: Omit<LayerEntry, 'whiteout' | 'path'>;
}

/** The order the resolver takes records in: by name, then lower layer first, then archive order. */
export function byNameLowerFirst(a: ChildRecord, b: ChildRecord): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.layer - b.layer || a.seq - b.seq;
}

/** Where {@link childRecords} sends each record: a promise to wait for, or `false` to stop reading. */
export type RecordSink = (record: ChildRecord) => Promise<void> | undefined | false;

/**
 * Sends the children records of `dir` in every layer, in layer and archive order, to `sink`;
 * returns the tracker of `dir` itself, or undefined when the sink stopped the reading.
 */
export async function childRecords(
  image: Image,
  dir: string,
  sink: RecordSink,
): Promise<PathTracker | undefined> {
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
      if (record === undefined) continue;
      const taken = sink(record);
      if (taken === false) return undefined; // leaving the loop closes the listing
      if (taken !== undefined) await taken;
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
export class ChildResolver {
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

  /**
   * Starts the name of `child` from `child` (what the records before the ones to come left there);
   * returns the previous name's child.
   */
  seed(child: MergedEntry): MergedEntry | undefined {
    const done = this.child;
    this.name = child.name;
    this.child = child;
    return done;
  }

  /** The current name's child, if it has one. */
  finish(): MergedEntry | undefined {
    return this.child;
  }
}
