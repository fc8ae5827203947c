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

type SizeRecord = [path: string, size: number];

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

async function estimate(image: Image): Promise<Efficiency> {
  const sort = new ExternalSort<SizeRecord>(byPath);
  for (const layer of image.layers()) {
    for await (const entry of layerListing(layer).entries) {
      if (entry.whiteout === 'opaque' || entry.type === 'directory') continue;
      const wait = sort.add([entry.path, entry.whiteout === 'file' ? 0 : entry.size]);
      if (wait !== undefined) await wait;
    }
  }
  let all = 0;
  let minimum = 0;
  let wastedBytes = 0;
  const inefficiencies: Inefficiency[] = [];
  let path: string | undefined;
  let count = 0;
  let total = 0;
  let min = 0;
  const close = (): void => {
    if (path === undefined) return;
    all += total;
    minimum += min;
    if (count > 1) {
      wastedBytes += total;
      keepTop(inefficiencies, { path, count, wastedBytes: total }, MAX_INEFFICIENCIES);
    }
  };
  for await (const batch of sort.sorted()) {
    for (const [p, size] of batch) {
      if (p === path) {
        count++;
        total += size;
        min = Math.min(min, size);
        continue;
      }
      close();
      path = p;
      count = 1;
      total = size;
      min = size;
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
