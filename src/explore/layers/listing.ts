/**
 * A layer's entry list, read once from its stream and then from a listing on disk: the first pass
 * that reads a layer to its end (the layer's digest verified there) writes one JSON line per entry
 * to a temp file, renamed into place only then, with the byte offset of every
 * {@link CHECKPOINT}-th entry kept in memory. Later requests read that file instead of
 * decompressing and parsing the tar again, and a page deep in the list seeks to the checkpoint
 * before it. Memory stays flat as layers grow: a few numbers per thousand entries; the listing
 * files go in one private temp folder, removed when the process exits.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Layer } from '../../image/types.ts';
import { type LayerEntry, layerEntries } from './entries.ts';

/** Entries between two remembered offsets. */
export const CHECKPOINT = 512;

/** Most layers whose listing is kept (the oldest file is removed beyond). */
const MAX_LISTINGS = 64;

interface Listing {
  file: string;
  count: number;
  /** The size of the uncompressed tar, counted in the same pass. */
  size: number;
  /** Byte offset of entry `i * CHECKPOINT`. */
  checkpoints: number[];
}

const listings = new Map<string, Listing>();
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

function write(out: WriteStream, text: string): Promise<void> | undefined {
  if (out.write(text)) return undefined;
  return new Promise((resolve) => out.once('drain', resolve));
}

async function* fromStream(
  layer: Layer,
  key: string,
  counter: { bytes: number } = { bytes: 0 },
): AsyncGenerator<LayerEntry> {
  // One pass writes the listing; passes that start meanwhile just stream.
  const record = !building.has(key);
  let out: WriteStream | undefined;
  let temp = '';
  const checkpoints: number[] = [];
  let bytes = 0;
  let count = 0;
  let complete = false;
  if (record) {
    building.add(key);
    temp = join(listingFolder(), `tmp-${process.pid}-${serial++}`);
    out = createWriteStream(temp);
  }
  try {
    for await (const { body: _body, ...entry } of layerEntries(layer, { counter })) {
      if (out !== undefined) {
        if (count % CHECKPOINT === 0) checkpoints.push(bytes);
        const line = `${JSON.stringify(entry)}\n`;
        bytes += Buffer.byteLength(line);
        const wait = write(out, line);
        if (wait !== undefined) await wait;
      }
      count++;
      yield entry;
    }
    complete = true;
  } finally {
    if (out !== undefined) {
      const stream = out;
      await new Promise<void>((resolve) => stream.end(resolve));
      building.delete(key);
      if (complete) {
        const file = join(listingFolder(), key.replace(/[^a-z0-9]/gi, '-'));
        await rename(temp, file);
        if (listings.size >= MAX_LISTINGS) {
          const [oldest, dropped] = listings.entries().next().value as [string, Listing];
          listings.delete(oldest);
          await rm(dropped.file, { force: true });
        }
        listings.set(key, { file, count, size: counter.bytes, checkpoints });
      } else await rm(temp, { force: true });
    }
  }
}

/** The path of a listing line without parsing the rest: lines start `{"path":"…",` and a raw `,"type":` cannot occur inside a JSON string. */
function pathOf(line: string): string {
  return JSON.parse(line.slice(8, line.indexOf(',"type":'))) as string;
}

async function* fromListing(
  listing: Listing,
  from: number,
  wanted: ((path: string) => boolean) | undefined,
): AsyncGenerator<LayerEntry> {
  const stream = createReadStream(listing.file, {
    start: listing.checkpoints[Math.floor(from / CHECKPOINT)] ?? 0,
    highWaterMark: 1 << 16,
  });
  let rest = '';
  try {
    for await (const chunk of stream) {
      const text = rest + (chunk as Buffer).toString('utf8');
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (wanted === undefined || wanted(pathOf(line))) yield JSON.parse(line) as LayerEntry;
      }
    }
  } finally {
    stream.destroy();
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
  if (from >= listing.count) return { skipped: listing.count, entries: (async function* () {})() };
  const at = Math.floor(from / CHECKPOINT);
  return { skipped: at * CHECKPOINT, entries: fromListing(listing, from, wanted) };
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
