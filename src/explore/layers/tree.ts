/**
 * One directory of a layer as a tree level: the direct children of `dir` that the layer writes or
 * deletes (a deeper entry implies its directory), in archive order, one page at a time, with
 * dive's marks (layer.md "Changesets", "Whiteouts"). The layer is streamed and stops after the
 * page; only the names seen up to the page's end are remembered.
 */
import type { Image } from '../../image/types.ts';
import { isWithin } from './entries.ts';
import { layerAt, MAX_PAGE, type MarkedEntry, markEntries } from './files.ts';
import { layerListing } from './listing.ts';

/** A child of a directory of the layer. */
export interface TreeEntry extends MarkedEntry {
  /** The last component of `path`. */
  name: string;
  /** True when the layer has no entry of its own for this directory, only entries below it. */
  implied?: boolean;
}

/** A page of a directory's children; `next` is the offset of the next page, or null at the end. */
export interface TreePage {
  dir: string;
  offset: number;
  limit: number;
  entries: TreeEntry[];
  next: number | null;
}

type Pending = Omit<TreeEntry, 'mark'> & { whiteout?: 'file' | 'opaque' };

/** The children of `dir` (root-relative, `''` the root) in layer `index` of `image`, from `offset`. */
export async function layerDirectory(
  image: Image,
  index: number,
  dir: string,
  offset: number,
  limit: number,
): Promise<TreePage> {
  const layer = layerAt(image, index);
  const size = Math.min(Math.max(limit, 1), MAX_PAGE);
  const seen = new Map<string, number>();
  const page: Pending[] = [];
  let more = false;
  const prefix = dir === '' ? '' : `${dir}/`;
  // Before an indexed line is parsed: only entries below `dir` that are direct children or the
  // first entry under a child not seen yet.
  const names = new Set<string>();
  const wanted = (path: string): boolean => {
    if (!path.startsWith(prefix) || path === dir) return false;
    const slash = path.indexOf('/', prefix.length);
    if (slash === -1) return true;
    const name = path.slice(prefix.length, slash);
    if (names.has(name)) return false;
    names.add(name);
    return true;
  };
  for await (const entry of layerListing(layer, { wanted }).entries) {
    if (entry.path === dir || !isWithin(entry.path, dir)) continue;
    const rest = entry.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash === -1 ? rest : rest.slice(0, slash);
    const at = seen.get(name);
    if (at !== undefined) {
      // The layer's own entry for a directory first implied by a deeper one replaces it.
      const held = at - offset;
      if (slash === -1 && held >= 0 && held < page.length) page[held] = { ...entry, name };
      continue;
    }
    if (seen.size - offset === size) {
      more = true;
      break;
    }
    seen.set(name, seen.size);
    if (seen.size <= offset) continue;
    page.push(
      slash === -1
        ? { ...entry, name }
        : {
            path: `${prefix}${name}`,
            name,
            type: 'directory',
            size: 0,
            mode: 0o755,
            uid: 0,
            gid: 0,
            implied: true,
          },
    );
  }
  const entries: TreeEntry[] = await markEntries(image, index, page);
  return { dir, offset, limit: size, entries, next: more ? offset + size : null };
}
