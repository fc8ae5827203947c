/**
 * dive's efficiency estimate: every path written in more than one layer (or deleted by a whiteout)
 * wastes the bytes of all its copies; the score is the smallest size of each path over the sum of
 * all sizes written. One pass over every layer's listing feeds an external sort of (path, size)
 * records, so the copies of a path arrive together and are summed as they stream past; only the
 * largest {@link MAX_INEFFICIENCIES} are held, and memory does not grow with the image. The result
 * is kept per image (a blob's content never changes).
 */
import type { Image } from '../../image/types.ts';
import { ExternalSort } from './external-sort.ts';
import { layerListing } from './listing.ts';

/** One path written more than once. */
export interface Inefficiency {
  path: string;
  count: number;
  wastedBytes: number;
}

/** The image's wasted space and efficiency score (1 = nothing wasted). */
export interface Efficiency {
  wastedBytes: number;
  score: number;
  inefficiencies: Inefficiency[];
}

/** Most inefficiencies listed (the largest first). */
export const MAX_INEFFICIENCIES = 100;

/** Most images whose estimate is kept. */
const MAX_KEPT = 64;
const kept = new Map<string, Efficiency>();

type SizeRecord = [path: string, size: number, layer: number];

function byPath(a: SizeRecord, b: SizeRecord): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Largest waste first, then by path. */
function worse(a: Inefficiency, b: Inefficiency): number {
  return b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}

/** Inserts `item` into `top` (kept sorted by {@link worse}), dropping the last beyond `max`. */
function keepTop(top: Inefficiency[], item: Inefficiency, max: number): void {
  if (top.length === max && worse(item, top[max - 1] as Inefficiency) >= 0) return;
  let at = top.length;
  while (at > 0 && worse(item, top[at - 1] as Inefficiency) < 0) at--;
  top.splice(at, 0, item);
  if (top.length > max) top.pop();
}

/**
 * The (path, bytes, layer) records of every layer: a file's size, 0 for a whiteout (dive counts
 * what a deleted directory held below it; here a whiteout's own bytes, none, are counted). Folders
 * are left out.
 */
async function feed(image: Image, sort: ExternalSort<SizeRecord>): Promise<void> {
  for (const [index, layer] of image.layers().entries()) {
    for await (const entry of layerListing(layer).entries) {
      if (entry.whiteout === 'opaque' || entry.type === 'directory') continue;
      const wait = sort.add([entry.path, entry.whiteout === 'file' ? 0 : entry.size, index]);
      if (wait !== undefined) await wait;
    }
  }
}

async function estimate(image: Image): Promise<Efficiency> {
  const sort = new ExternalSort<SizeRecord>(byPath);
  try {
    await feed(image, sort);
    return await summarise(sort);
  } finally {
    await sort.close();
  }
}

/**
 * Sums the copies of each path as the sorted records stream past (equal paths arrive in layer
 * order); a path written twice in one layer is one copy there, the later one, as dive keeps one
 * node per layer.
 */
async function summarise(sort: ExternalSort<SizeRecord>): Promise<Efficiency> {
  let all = 0;
  let minimum = 0;
  let wastedBytes = 0;
  const inefficiencies: Inefficiency[] = [];
  let path: string | undefined;
  let lastLayer = -1;
  /** The sizes of the current path, one per layer that writes it. */
  let sizes: number[] = [];
  const close = (): void => {
    if (path === undefined) return;
    const total = sizes.reduce((sum, size) => sum + size, 0);
    all += total;
    minimum += Math.min(...sizes);
    if (sizes.length > 1) {
      wastedBytes += total;
      keepTop(inefficiencies, { path, count: sizes.length, wastedBytes: total }, MAX_INEFFICIENCIES);
    }
  };
  for await (const batch of sort.sorted()) {
    for (const [p, size, layer] of batch) {
      if (p === path && layer === lastLayer) sizes[sizes.length - 1] = size;
      else if (p === path) sizes.push(size);
      else {
        close();
        path = p;
        sizes = [size];
      }
      lastLayer = layer;
    }
  }
  close();
  return { wastedBytes, score: all === 0 ? 1 : minimum / all, inefficiencies };
}

/** Computes dive's estimate for `image` (kept for the image's layers once computed). */
export async function efficiency(image: Image): Promise<Efficiency> {
  const key = image
    .layers()
    .map((l) => l.descriptor.digest)
    .join(',');
  const known = kept.get(key);
  if (known !== undefined) return known;
  const result = await estimate(image);
  if (kept.size >= MAX_KEPT) kept.delete(kept.keys().next().value as string);
  kept.set(key, result);
  return result;
}
