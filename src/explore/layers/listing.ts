/**
 * A layer's entry list, read once from its stream and then from a listing on disk: the first pass
 * that reads a layer to its end (the layer's digest verified there) writes one JSON line per entry
 * to a {@link PagedList} (the byte offset of every {@link CHECKPOINT}-th entry kept in memory),
 * used only once the pass and the file are both complete. Later requests read that file instead of
 * decompressing and parsing the tar again, and a page deep in the list seeks to the checkpoint
 * before it. Memory stays flat as layers grow: a few numbers per thousand entries; the listing
 * files go in one private temp folder, removed when the process exits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Layer } from '../../image/types.ts';
import { type LayerEntry, layerEntries } from './entries.ts';
import { type PagedList, PagedListWriter } from './paged-list.ts';

/** Entries between two remembered offsets. */
export const CHECKPOINT = 512;

/** Most layers whose listing is kept (the oldest file is removed beyond). */
const MAX_LISTINGS = 64;

interface Listing {
  list: PagedList<LayerEntry>;
  /** The size of the uncompressed tar, counted in the same pass. */
  size: number;
}

const listings = new Map<string, Listing>();
let parsedLines = 0;

/** How many lines of listing files have been parsed into entries so far (tests check what a lookup skips). */
export function parsedListingLines(): number {
  return parsedLines;
}

const building = new Set<string>();
let folder: string | undefined;
let serial = 0;

/** The process's private folder of listing files (made on first use, removed when the process exits). */
export function listingFolder(): string {
  if (folder === undefined) {
    const made = mkdtempSync(join(tmpdir(), 'ocikit-explore-'));
    folder = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return folder;
}

async function* fromStream(
  layer: Layer,
  key: string,
  counter: { bytes: number } = { bytes: 0 },
): AsyncGenerator<LayerEntry> {
  // One pass writes the listing; passes that start meanwhile just stream.
  const writer = building.has(key)
    ? undefined
    : new PagedListWriter<LayerEntry>(join(listingFolder(), `layer-${process.pid}-${serial++}`), CHECKPOINT);
  if (writer !== undefined) building.add(key);
  let complete = false;
  try {
    for await (const { body: _body, ...entry } of layerEntries(layer, { counter })) {
      const wait = writer?.add(entry);
      if (wait !== undefined) await wait;
      yield entry;
    }
    complete = true;
  } finally {
    if (writer !== undefined) {
      building.delete(key);
      // Kept only once the layer was read to its verified end, and the file written whole.
      const list = complete ? await writer.finish().catch(() => undefined) : undefined;
      if (list === undefined) await writer.abandon();
      else {
        if (listings.size >= MAX_LISTINGS) {
          const [oldest, dropped] = listings.entries().next().value as [string, Listing];
          listings.delete(oldest);
          await dropped.list.remove();
        }
        listings.set(key, { list, size: counter.bytes });
      }
    }
  }
}

/** The path of a listing line without parsing the rest: lines start `{"path":"…",` and a raw `,"type":` cannot occur inside a JSON string. */
function pathOf(line: string): string {
  return JSON.parse(line.slice(8, line.indexOf(',"type":'))) as string;
}

/**
 * The entries of a listing's lines (only those `wanted` accepts); when the file was removed
 * before it was opened (evicted for a newer layer's listing), the layer is read again from its
 * stream instead, from the same entry on.
 */
async function* fromListing(
  read: { first: number; lines: AsyncGenerator<string[]> },
  wanted: ((path: string) => boolean) | undefined,
  layer: Layer,
): AsyncGenerator<LayerEntry> {
  let yielded = false;
  try {
    for await (const batch of read.lines) {
      for (const line of batch) {
        if (wanted === undefined || wanted(pathOf(line))) {
          yielded = true;
          parsedLines++;
          yield JSON.parse(line) as LayerEntry;
        }
      }
    }
  } catch (err) {
    if (yielded || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    let index = 0;
    for await (const entry of fromStream(layer, layer.descriptor.digest)) {
      if (index++ < read.first) continue;
      if (wanted === undefined || wanted(entry.path)) yield entry;
    }
  }
}

/** Options of {@link layerListing}. */
export interface ListingOptions {
  /** The first entry wanted (the listing may start up to {@link CHECKPOINT} entries before it). */
  from?: number;
  /**
   * Only entries whose path this accepts (checked before an indexed line is parsed). Entries are
   * then not counted: use it without `from`.
   */
  wanted?: (path: string) => boolean;
}

/**
 * The entries of `layer` (without bodies), in archive order. With `from`, the listing may start
 * up to {@link CHECKPOINT} entries earlier: `skipped` says how many entries come before the first
 * one yielded. With `wanted`, only the entries whose path it accepts.
 */
export function layerListing(
  layer: Layer,
  options: ListingOptions = {},
): { skipped: number; entries: AsyncIterable<LayerEntry> } {
  const { from = 0, wanted } = options;
  const key = layer.descriptor.digest;
  const listing = listings.get(key);
  if (listing === undefined) {
    const all = fromStream(layer, key);
    if (wanted === undefined) return { skipped: 0, entries: all };
    return {
      skipped: 0,
      entries: (async function* () {
        for await (const entry of all) if (wanted(entry.path)) yield entry;
      })(),
    };
  }
  if (from >= listing.list.length)
    return { skipped: listing.list.length, entries: (async function* () {})() };
  const read = listing.list.linesFrom(from);
  return { skipped: read.first, entries: fromListing(read, wanted, layer) };
}

/**
 * The size of `layer`'s uncompressed tar: from its listing, or counted by one pass that reads the
 * layer to its end and so writes the listing too (the Layers page then costs later requests no
 * second pass).
 */
export async function uncompressedSizeOf(layer: Layer): Promise<number> {
  const key = layer.descriptor.digest;
  const listed = listings.get(key);
  if (listed !== undefined) return listed.size;
  const counter = { bytes: 0 };
  for await (const _ of fromStream(layer, key, counter)) {
    // Only the count is wanted here; the listing is written as a side effect.
  }
  return counter.bytes;
}
