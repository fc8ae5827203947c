/**
 * One page of a layer's file list with dive's marks: added, modified (the path exists in the
 * layers below) or deleted (a whiteout, layer.md "Whiteouts"). The layer is streamed and only the
 * page is kept; the layers below are streamed once more, tracking only the page's paths.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { Image, Layer } from '../../image/types.ts';
import { isWithin, type LayerEntry } from './entries.ts';
import { layerListing } from './listing.ts';

/** Most entries one page holds. */
export const MAX_PAGE = 1000;

/** A marked entry of a layer's file list. */
export interface MarkedEntry extends Omit<LayerEntry, 'whiteout'> {
  mark: 'added' | 'modified' | 'deleted' | 'opaque';
}

/** A page of a layer's file list; `next` is the offset of the next page, or null at the end. */
export interface FilePage {
  offset: number;
  limit: number;
  entries: MarkedEntry[];
  next: number | null;
}

/** Parses a non-negative integer query value, INVALID_ARGUMENT otherwise. */
export function pageNumber(value: string | null, fallback: number, name: string): number {
  if (value === null || value === '') return fallback;
  if (!/^\d{1,9}$/.test(value))
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `${name} must be a whole number`);
  return Number(value);
}

/** The layer at `index` of `image`, NOT_FOUND when there is none. */
export function layerAt(image: Image, index: number): Layer {
  const layer = image.layers()[index];
  if (layer === undefined) throw new OciError(ErrorCode.NOT_FOUND, `the image has no layer ${index}`);
  return layer;
}

/** True when `path` or one of its parent directories is in `set`. */
function selfOrParentIn(path: string, set: Set<string>): string | undefined {
  for (let p = path; ; ) {
    if (set.has(p)) return p;
    const at = p.lastIndexOf('/');
    if (at === -1) return undefined;
    p = p.slice(0, at);
  }
}

/**
 * Which of `paths` exist in the filesystem the layers below `index` make (one pass per lower
 * layer; each entry costs a walk up its own parents, not a loop over `paths`).
 */
export async function existingBelow(image: Image, index: number, paths: Set<string>): Promise<Set<string>> {
  const exists = new Set<string>();
  if (paths.size === 0) return exists;
  for (const layer of image.layers().slice(0, index)) {
    const added = new Set<string>();
    const opaque: string[] = [];
    for await (const entry of layerListing(layer).entries) {
      if (entry.whiteout === 'opaque') opaque.push(entry.path);
      else if (entry.whiteout === 'file') {
        for (const p of exists) if (isWithin(p, entry.path)) exists.delete(p);
      } else {
        // An entry makes its own path and, implicitly, its parent directories exist.
        for (let p: string | undefined = entry.path; p !== undefined; ) {
          const hit = selfOrParentIn(p, paths);
          if (hit === undefined) break;
          exists.add(hit);
          added.add(hit);
          const at = hit.lastIndexOf('/');
          p = at === -1 ? undefined : hit.slice(0, at);
        }
      }
    }
    for (const dir of opaque) {
      for (const p of exists) if (p !== dir && isWithin(p, dir) && !added.has(p)) exists.delete(p);
    }
  }
  return exists;
}

/** The page of layer `index`'s entries from `offset`, at most `limit` (≤ {@link MAX_PAGE}). */
export async function layerFiles(
  image: Image,
  index: number,
  offset: number,
  limit: number,
): Promise<FilePage> {
  const layer = layerAt(image, index);
  const size = Math.min(Math.max(limit, 1), MAX_PAGE);
  const page: LayerEntry[] = [];
  const listing = layerListing(layer, { from: offset });
  let seen = listing.skipped;
  let more = false;
  for await (const entry of listing.entries) {
    if (seen++ < offset) continue;
    if (page.length === size) {
      more = true;
      break;
    }
    page.push(entry);
  }
  const entries = await markEntries(image, index, page);
  return { offset, limit: size, entries, next: more ? offset + size : null };
}

/**
 * Marks each entry of layer `index` against the layers below it: a whiteout is `deleted` or
 * `opaque`, a path some lower layer has is `modified`, any other `added`.
 */
export async function markEntries<E extends { path: string; whiteout?: 'file' | 'opaque' }>(
  image: Image,
  index: number,
  page: E[],
): Promise<(Omit<E, 'whiteout'> & { mark: MarkedEntry['mark'] })[]> {
  const below = await existingBelow(
    image,
    index,
    new Set(page.filter((e) => e.whiteout === undefined).map((e) => e.path)),
  );
  return page.map(({ whiteout, ...entry }) => {
    const mark =
      whiteout === 'file'
        ? 'deleted'
        : whiteout === 'opaque'
          ? 'opaque'
          : below.has(entry.path)
            ? 'modified'
            : 'added';
    return { ...entry, mark };
  });
}
