/**
 * The merged filesystem of an image, read from the layer streams in order with whiteouts and
 * opaque whiteouts applied (layer.md "Applying Changesets"). Paths come from URLs: a `..`
 * component or a NUL byte is refused with UNSAFE_PATH, and every lookup is by name inside the
 * image, so nothing outside it is ever read.
 */
import { ErrorCode, OciError } from '../errors/index.ts';
import type { Image } from '../image/types.ts';
import { isWithin, layerEntries } from './layers/entries.ts';
import { layerListing } from './layers/listing.ts';
import { type DirectoryListing, layersKey, mergedDirectory } from './merged-directory.ts';
import { isBelow, type MergedEntry, PathTracker } from './path-tracker.ts';

/** Cleans a path from a URL into a root-relative path (`''` is the root). */
export function imagePath(value: string | null): string {
  const raw = value ?? '/';
  if (raw.includes('\u0000') || raw.includes('\\'))
    throw new OciError(ErrorCode.UNSAFE_PATH, `refused path ${JSON.stringify(raw)}`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..'))
    throw new OciError(ErrorCode.UNSAFE_PATH, `a path may not contain "..": ${JSON.stringify(raw)}`);
  return parts.join('/');
}

export type { DirectoryListing, MergedEntry } from './merged-directory.ts';

/**
 * The children of directory `dir`, sorted by name, as a list on disk whose `slice` reads one page;
 * NOT_FOUND when it is not a directory of the image. Memory does not grow with the directory.
 */
export function listDirectory(image: Image, dir: string): Promise<DirectoryListing> {
  return mergedDirectory(image, dir);
}

/** Most path lookups whose answer is kept (layers are content-addressed: a kept answer never goes stale). */
const MAX_FOUND = 256;
/** Kept lookups by layers and path, least recently used first. */
const found = new Map<string, MergedEntry | undefined>();

/**
 * The entry at `path` in the merged filesystem and the layer that last wrote it (a directory only
 * implied by deeper paths has default metadata), or undefined when the merged filesystem lacks it:
 * deleted by a whiteout of it or a parent, hidden by an opaque whiteout of a parent, or removed by
 * a non-directory written at a parent (layer.md "Applying Changesets"). The answer is kept for the
 * same layers and path: every page of a folder asks for the folder first.
 */
export async function findPath(image: Image, path: string): Promise<MergedEntry | undefined> {
  const key = `${layersKey(image)}\u0000${path}`;
  if (found.has(key)) {
    const entry = found.get(key);
    found.delete(key);
    found.set(key, entry);
    return entry === undefined ? undefined : { ...entry };
  }
  const entry = await lookUp(image, path);
  if (found.size >= MAX_FOUND) found.delete(found.keys().next().value as string);
  found.set(key, entry);
  return entry === undefined ? undefined : { ...entry };
}

/** {@link findPath} without the kept answers: one pass over each layer's listing. */
async function lookUp(image: Image, path: string): Promise<MergedEntry | undefined> {
  const tracker = new PathTracker(path);
  for (const [index, layer] of image.layers().entries()) {
    tracker.startLayer(index);
    // The path and its parents (which can delete or replace it), and what lies below, which only
    // implies it: of a run of entries below with nothing at the path or a parent between them, the
    // first implies all the others would, so the rest are skipped (before their lines are parsed,
    // once the layer's listing exists; the first read of a layer parses every entry anyway).
    let implied = false;
    const wanted = (p: string) => {
      if (isBelow(p, path)) {
        if (implied) return false;
        implied = true;
        return true;
      }
      if (!isWithin(path, p)) return false;
      implied = false;
      return true;
    };
    let seq = 0;
    for await (const entry of layerListing(layer, { wanted }).entries) tracker.see(entry, ++seq);
    tracker.endLayer();
  }
  return tracker.entry;
}

/** Streams the content of regular file `path` (a hard link's target's content); NOT_FOUND otherwise. */
export async function* fileContent(image: Image, entry: MergedEntry): AsyncGenerator<Buffer> {
  const layer = image.layers()[entry.layer];
  if (layer === undefined) throw new OciError(ErrorCode.NOT_FOUND, `/${entry.path} has no layer`);
  const want = entry.type === 'link' ? entry.linkname : entry.path;
  for await (const item of layerEntries(layer)) {
    if (item.path === want && item.type === 'file' && item.whiteout === undefined) {
      yield* item.body;
      return;
    }
  }
  throw new OciError(ErrorCode.NOT_FOUND, `/${entry.path} is not a regular file`);
}

/** One search hit: a path some layer writes or deletes. */
export interface SearchHit {
  path: string;
  layer: number;
  type: string;
  size: number;
  deleted: boolean;
}

/** Most hits one search returns. */
export const MAX_HITS = 500;

/** Paths containing `query` (case-insensitive) in any layer, at most {@link MAX_HITS}. */
export async function searchPaths(
  image: Image,
  query: string,
): Promise<{ hits: SearchHit[]; truncated: boolean }> {
  const needle = query.toLowerCase();
  const hits: SearchHit[] = [];
  if (needle === '') return { hits, truncated: false };
  for (const [index, layer] of image.layers().entries()) {
    for await (const entry of layerListing(layer).entries) {
      if (!entry.path.toLowerCase().includes(needle)) continue;
      if (hits.length === MAX_HITS) return { hits, truncated: true };
      hits.push({
        path: entry.path,
        layer: index,
        type: entry.type,
        size: entry.size,
        deleted: entry.whiteout === 'file',
      });
    }
  }
  return { hits, truncated: false };
}
