/**
 * Reading a stage's layers into a {@link RootfsTree}: tar headers only (contents are skipped, not
 * kept), with the same rules as the real apply (src/tar/apply.ts): parents resolved through
 * symlinks inside the root, `.wh.X` removing X from lower layers, `.wh..wh..opq` hiding every
 * lower-layer entry of its directory, AUFS metadata skipped.
 */
import type { OperationOptions } from '../../image/types.ts';
import type { TarEntry } from '../../tar/entry.ts';
import { classifyBase } from '../../tar/names.ts';
import { readTar } from '../../tar/read.ts';
import { type LayerRef, openUncompressed } from '../layers.ts';
import { components } from '../path-components.ts';
import { LEAF, type RootfsTree } from './tree.ts';

/**
 * Applies one entry of layer `layer` to the tree; returns the real components it was placed at,
 * or undefined for whiteouts and for what is ignored (entries under a non-directory).
 */
export function applyEntry(tree: RootfsTree, entry: TarEntry, layer: number): string[] | undefined {
  const parts = components(entry.path);
  if (parts.length === 0) {
    if (entry.type !== 'directory') return undefined;
    tree.setDir([], entry, layer);
    return [];
  }
  const base = parts[parts.length - 1] as string;
  const parent = tree.resolve(parts.slice(0, -1), true);
  if (parent.blocked || (parent.node !== undefined && tree.dirAt(parent.real) === undefined))
    return undefined;
  const at = [...parent.real, base];
  let kind: ReturnType<typeof classifyBase>;
  try {
    kind = classifyBase(base, entry.path);
  } catch {
    return undefined;
  }
  switch (kind.kind) {
    case 'aufs-meta':
      return undefined;
    case 'opaque':
      tree.clearLower(parent.real, layer);
      return undefined;
    case 'whiteout':
      tree.remove([...parent.real, kind.target], layer);
      return undefined;
    case 'none':
      break;
  }
  switch (entry.type) {
    case 'directory':
      tree.setDir(at, entry, layer);
      break;
    case 'symlink':
      tree.setNode(at, { kind: 'symlink', target: entry.linkname, layer }, layer);
      break;
    case 'file':
      tree.setNode(at, layer * 8 + LEAF.file, layer);
      break;
    case 'link':
      tree.setNode(at, layer * 8 + LEAF.hardlink, layer);
      break;
    default:
      tree.setNode(at, layer * 8 + LEAF.special, layer);
  }
  return at;
}

/** Reads layer number `index` of a stage and applies its headers to the tree. */
export async function scanLayer(
  tree: RootfsTree,
  layer: LayerRef,
  index: number,
  options: OperationOptions = {},
): Promise<void> {
  const tar = await openUncompressed(layer, options);
  for await (const { entry } of readTar(
    tar,
    options.signal === undefined ? {} : { signal: options.signal },
  )) {
    applyEntry(tree, entry, index);
  }
}
