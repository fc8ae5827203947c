/**
 * Two images side by side, file by file: the changes `ocikit diff` finds (an exact apply of each
 * image), each with the entry of each side that has the path and the layer that last wrote it.
 */
import type { Image } from '../image/types.ts';
import { diffImages, type FileChange } from '../mutate/diff.ts';
import type { LayerEntry } from './layers/entries.ts';
import { layerListing } from './layers/listing.ts';

/** One side of a compared path: its entry (without the path) and the layer, from 0 the lowest, that last wrote it. */
export type ComparedFile = Omit<LayerEntry, 'path' | 'whiteout'> & { layer: number };

/** One difference with both sides: `a` unless added, `b` unless deleted. */
export interface ComparedChange extends FileChange {
  a?: ComparedFile;
  b?: ComparedFile;
}

/** The entries of `paths` in `image`, each from the last layer writing it (one listing pass per layer). */
async function entriesOf(image: Image, paths: Set<string>): Promise<Map<string, ComparedFile>> {
  const out = new Map<string, ComparedFile>();
  if (paths.size === 0) return out;
  for (const [layer, l] of image.layers().entries()) {
    for await (const e of layerListing(l, { wanted: (p) => paths.has(p) }).entries) {
      if (e.whiteout !== undefined || !paths.has(e.path)) continue;
      const { path, whiteout: _, ...entry } = e;
      out.set(path, { ...entry, layer });
    }
  }
  return out;
}

/**
 * The changes from `a` to `b` as `ocikit diff --json` lists them, each with the entry of each side
 * that has the path, so the two images show side by side.
 */
export async function compareImages(a: Image, b: Image): Promise<ComparedChange[]> {
  const changes: ComparedChange[] = await diffImages(a, b);
  const inA = await entriesOf(a, new Set(changes.filter((c) => c.change !== 'A').map((c) => c.path)));
  const inB = await entriesOf(b, new Set(changes.filter((c) => c.change !== 'D').map((c) => c.path)));
  for (const c of changes) {
    const left = inA.get(c.path);
    const right = inB.get(c.path);
    if (left !== undefined) c.a = left;
    if (right !== undefined) c.b = right;
  }
  return changes;
}
