/**
 * One directory of an image's merged filesystem as a list on disk (layer.md "Applying
 * Changesets"). Each layer's listing is read once, filtered to the directory, its parents and what
 * lies below it. A PathTracker follows the directory itself through the layers: whether it is
 * still a directory, and since when its children count (a whiteout or opaque whiteout of it or a
 * parent, or a non-directory written at it or a parent, removes every child before). Every child a
 * layer writes, implies (an entry deeper below) or deletes (a whiteout) becomes one small record
 * (child-records.ts); each name is resolved from its own few records, taken in name order, lower
 * layer first: as they stream past when the layers give them in that order, else through an
 * external sort (directory-build.ts). The result is a {@link PagedList} kept for later pages, so
 * memory stays flat however many children the directory has.
 */

import type { Image } from '../image/types.ts';
import { buildDirectoryList } from './directory-build.ts';
import type { PagedList } from './layers/paged-list.ts';
import type { MergedEntry } from './path-tracker.ts';

export type { MergedEntry } from './path-tracker.ts';

/** The children of a directory, sorted by name, read from disk one page at a time with `slice`. */
export interface DirectoryListing {
  /** How many children the directory has. */
  readonly length: number;
  /** Children `start` (inclusive) to `end` (exclusive), as `Array.prototype.slice` would pick them. */
  slice(start?: number, end?: number): Promise<MergedEntry[]>;
}

/** Most merged directories whose list is kept (the oldest is removed beyond). */
const MAX_DIRECTORIES = 64;
/** Times a read of a listing removed meanwhile is retried from a fresh one. */
const REREADS = 3;
const kept = new Map<string, PagedList<MergedEntry>>();
const pending = new Map<string, Promise<PagedList<MergedEntry>>>();

/** What names an image's merged filesystem: its layers' digests, in order. */
export function layersKey(image: Image): string {
  return image
    .layers()
    .map((l) => l.descriptor.digest)
    .join(',');
}

/** The kept list of the children of `dir`, built when not kept. */
function keptList(image: Image, dir: string): Promise<PagedList<MergedEntry>> {
  const key = `${layersKey(image)}\u0000${dir}`;
  const known = kept.get(key);
  if (known !== undefined) {
    kept.delete(key);
    kept.set(key, known);
    return Promise.resolve(known);
  }
  let making = pending.get(key);
  if (making === undefined) {
    making = buildDirectoryList(image, dir).then(async (listing) => {
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
