/**
 * dive's efficiency estimate: every path written in more than one layer (or deleted by a whiteout)
 * wastes the bytes of all its copies; the score is the smallest size of each path over the sum of
 * all sizes written. One pass over every layer, one small record per path.
 */
import type { Image } from '../../image/types.ts';
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

/** Computes dive's estimate for `image`. */
export async function efficiency(image: Image): Promise<Efficiency> {
  const paths = new Map<string, { count: number; total: number; min: number }>();
  for (const layer of image.layers()) {
    for await (const entry of layerListing(layer).entries) {
      if (entry.whiteout === 'opaque' || entry.type === 'directory') continue;
      const size = entry.whiteout === 'file' ? 0 : entry.size;
      const seen = paths.get(entry.path);
      if (seen === undefined) paths.set(entry.path, { count: 1, total: size, min: size });
      else {
        seen.count++;
        seen.total += size;
        seen.min = Math.min(seen.min, size);
      }
    }
  }
  let all = 0;
  let minimum = 0;
  let wastedBytes = 0;
  const inefficiencies: Inefficiency[] = [];
  for (const [path, p] of paths) {
    all += p.total;
    minimum += p.min;
    if (p.count > 1) {
      wastedBytes += p.total;
      inefficiencies.push({ path, count: p.count, wastedBytes: p.total });
    }
  }
  inefficiencies.sort((a, b) => b.wastedBytes - a.wastedBytes || (a.path < b.path ? -1 : 1));
  return {
    wastedBytes,
    score: all === 0 ? 1 : minimum / all,
    inefficiencies: inefficiencies.slice(0, MAX_INEFFICIENCIES),
  };
}
