/**
 * Builds the list of one directory's children of an image's merged filesystem, as a {@link
 * PagedList} on disk: as the records stream past when they come in name order, through an
 * external sort of the rest otherwise (see {@link buildDirectoryList}). Memory stays flat however
 * many children the directory has.
 */
import { join } from 'node:path';
import { ErrorCode, OciError } from '../errors/index.ts';
import type { Image } from '../image/types.ts';
import { byNameLowerFirst, type ChildRecord, ChildResolver, childRecords } from './child-records.ts';
import { ExternalSort } from './layers/external-sort.ts';
import { readJsonLines } from './layers/json-lines.ts';
import { listingFolder } from './layers/listing.ts';
import { type PagedList, PagedListWriter } from './layers/paged-list.ts';
import { before, type MergedEntry, type Moment, type PathTracker } from './path-tracker.ts';

/** Numbers the list files this process writes. */
let serial = 0;

/** Before every record: the moment from which children count unless a layer resets the directory. */
const FIRST_MOMENT: Moment = { layer: 0, seq: -1 };

function listWriter(): PagedListWriter<MergedEntry> {
  return new PagedListWriter<MergedEntry>(join(listingFolder(), `dir-${process.pid}-${serial++}`));
}

function notADirectory(dir: string): OciError {
  return new OciError(ErrorCode.NOT_FOUND, `/${dir} is not a directory of the image`);
}

/**
 * The list of the children of `dir`, sorted by name, built as its records stream past ({@link
 * buildStreaming}), or sorted; NOT_FOUND when `dir` is not a directory of the image.
 */
export async function buildDirectoryList(image: Image, dir: string): Promise<PagedList<MergedEntry>> {
  let built = await buildStreaming(image, dir, FIRST_MOMENT);
  // A layer reset the directory: once more, now knowing from when its children count.
  if (built !== undefined && 'resetAt' in built) built = await buildStreaming(image, dir, built.resetAt);
  if (built !== undefined && 'list' in built) return built.list;
  return buildSorted(image, dir);
}

/**
 * The list built mostly without a sort, counting children from `since`. While the records come in
 * name order (a folder only one layer writes, archived in name order as docker, buildah, BuildKit
 * and ocikit write layers) each name is resolved as they stream past and written to the list.
 * From the first record out of order on, the rest go through an external sort, and are then
 * merged with what was written, each name starting from the child the earlier records left (so a
 * large lower folder that an upper layer touches is not sorted whole). Each name's records reach
 * the resolver in the order the sort would give them, with one exception, which gives undefined
 * (everything written removed; {@link buildSorted} then makes the list): a whiteout found in the
 * archive after entries of its own layer that were already resolved, since it applies before them.
 * `resetAt` when a layer reset the directory after `since`: children count from that moment.
 */
async function buildStreaming(
  image: Image,
  dir: string,
  since: Moment,
): Promise<{ list: PagedList<MergedEntry> } | { resetAt: Moment } | undefined> {
  let writer = listWriter();
  let resolver = new ChildResolver(dir, since);
  let previous: ChildRecord | undefined;
  let rest: ExternalSort<ChildRecord> | undefined;
  /** The layer of the last record resolved while they came in order. */
  let lastResolvedLayer = -1;
  /** A whiteout came too late to be merged: the full sort must make the list. */
  let gaveUp = false;
  try {
    const tracker = await childRecords(image, dir, (record) => {
      if (rest === undefined) {
        if (previous === undefined || byNameLowerFirst(previous, record) <= 0) {
          previous = record;
          const child = resolver.push(record);
          return child === undefined ? undefined : writer.add(child);
        }
        rest = new ExternalSort<ChildRecord>(byNameLowerFirst);
        lastResolvedLayer = previous.layer;
      }
      // A whiteout of a layer partly resolved applies before entries of it already resolved.
      if (record.layer === lastResolvedLayer && record.seq === -1) {
        gaveUp = true;
        return false;
      }
      return rest.add(record);
    });
    if (tracker !== undefined && !tracker.isDirectory) throw notADirectory(dir);
    if (tracker === undefined || gaveUp || before(since, tracker.since)) {
      await rest?.close();
      await writer.abandon();
      return tracker === undefined || gaveUp ? undefined : { resetAt: tracker.since };
    }
    const last = resolver.finish();
    if (last !== undefined) await writer.add(last);
    const resolved = await writer.finish();
    if (rest === undefined) return { list: resolved };
    writer = listWriter();
    resolver = new ChildResolver(dir, since);
    try {
      await mergeResolved(resolved, rest, resolver, writer);
    } finally {
      await resolved.remove();
    }
    const merged = resolver.finish();
    if (merged !== undefined) await writer.add(merged);
    return { list: await writer.finish() };
  } catch (err) {
    await rest?.close();
    await writer.abandon();
    throw err;
  }
}

/**
 * Writes to `writer` the children of `resolved` (a list in name order) with the sorted records of
 * `rest` applied: a name of both starts from the resolved child, then takes its records.
 */
async function mergeResolved(
  resolved: PagedList<MergedEntry>,
  rest: ExternalSort<ChildRecord>,
  resolver: ChildResolver,
  writer: PagedListWriter<MergedEntry>,
): Promise<void> {
  const seeds = readJsonLines<MergedEntry>(resolved.file);
  let batch: MergedEntry[] = [];
  let at = 0;
  /** The next resolved child, or undefined once they are all taken. */
  const next = async (): Promise<MergedEntry | undefined> => {
    while (at === batch.length) {
      const read = await seeds.next();
      if (read.done === true) return undefined;
      batch = read.value;
      at = 0;
    }
    return batch[at];
  };
  const emit = async (child: MergedEntry | undefined) => {
    const wait = child === undefined ? undefined : writer.add(child);
    if (wait !== undefined) await wait;
  };
  try {
    for await (const records of rest.sorted()) {
      for (const record of records) {
        for (let seed = await next(); seed !== undefined && seed.name <= record.name; seed = await next()) {
          at++;
          await emit(resolver.seed(seed));
        }
        await emit(resolver.push(record));
      }
    }
    for (let seed = await next(); seed !== undefined; seed = await next()) {
      at++;
      await emit(resolver.seed(seed));
    }
  } finally {
    await seeds.return(undefined);
  }
}

/** The list built through an external sort of the records by name, lower layer first. */
async function buildSorted(image: Image, dir: string): Promise<PagedList<MergedEntry>> {
  const sort = new ExternalSort<ChildRecord>(byNameLowerFirst);
  const writer = listWriter();
  try {
    const tracker = (await childRecords(image, dir, (record) => sort.add(record))) as PathTracker;
    if (!tracker.isDirectory) throw notADirectory(dir);
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
