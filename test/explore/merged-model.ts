/**
 * A plain in-memory model of an image's merged filesystem, applying test layers one after the
 * other as layer.md "Applying Changesets" describes, plus a seeded generator of random layers to
 * compare the explorer against it. The model is deliberately naive (a map of every path) so that
 * it can be read at a glance; the explorer's streaming code must agree with it.
 */
import type { HostileEntry } from '../helpers/hostile-tar.ts';

/** One path of the model: its type and the layer that last wrote it (or implied it, for a directory). */
export interface ModelNode {
  type: string;
  layer: number;
}

/** The merged filesystem: root-relative path → node (the root itself is not stored). */
export type ModelState = Map<string, ModelNode>;

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

function partsOf(name: string): string[] {
  return name.split('/').filter((p) => p !== '' && p !== '.');
}

function removeBelow(state: ModelState, path: string, itself: boolean): void {
  for (const key of [...state.keys()]) {
    if ((itself && key === path) || path === '' || key.startsWith(`${path}/`)) state.delete(key);
  }
}

/**
 * Applies one layer to `state`. Whiteouts first, to the lower layers only (layer.md "Whiteouts":
 * files present in the same layer as a whiteout are not hidden by it); then every entry in
 * archive order, each making its missing or non-directory parents directories, a whiteout's
 * parents included (as containerd's applier creates a missing parent before handling any entry).
 * A directory written over a directory keeps the children; anything else replaces the path and
 * all below it.
 */
export function applyLayer(state: ModelState, entries: HostileEntry[], layer: number): void {
  for (const entry of entries) {
    const parts = partsOf(entry.name);
    const base = parts.at(-1) ?? '';
    if (base === OPAQUE) removeBelow(state, parts.slice(0, -1).join('/'), false);
    else if (base.startsWith(WHITEOUT))
      removeBelow(state, [...parts.slice(0, -1), base.slice(WHITEOUT.length)].join('/'), true);
  }
  for (const entry of entries) {
    const parts = partsOf(entry.name);
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const node = state.get(parent);
      if (node?.type === 'directory') continue;
      removeBelow(state, parent, true);
      state.set(parent, { type: 'directory', layer });
    }
    if ((parts.at(-1) ?? '').startsWith(WHITEOUT)) continue;
    const path = parts.join('/');
    const type = entry.type ?? 'file';
    if (!(type === 'directory' && state.get(path)?.type === 'directory')) removeBelow(state, path, true);
    state.set(path, { type, layer });
  }
}

/** The children of `dir` in `state` as `name:type:layer`, sorted by name; undefined when `dir` is not a directory. */
export function modelListing(state: ModelState, dir: string): string[] | undefined {
  if (dir !== '' && state.get(dir)?.type !== 'directory') return undefined;
  const prefix = dir === '' ? '' : `${dir}/`;
  const out: Array<[string, string]> = [];
  for (const [path, node] of state) {
    if (!path.startsWith(prefix)) continue;
    const name = path.slice(prefix.length);
    if (!name.includes('/')) out.push([name, `${name}:${node.type}:${node.layer}`]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, line]) => line);
}

const NAMES = ['a', 'a-b', 'b', 'é'];
const DEEPER = ['a', 'x'];

/**
 * A random layer: up to six files, directories, symlinks (a type change), whiteouts and opaque
 * whiteouts over a few short names, with or without explicit parent directory headers, and no
 * two entries of the same path (layer.md "Distributable Format").
 */
export function randomLayer(random: () => number): HostileEntry[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const explicitParents = random() < 0.5;
  const entries: HostileEntry[] = [];
  const used = new Set<string>();
  const add = (entry: HostileEntry) => {
    const key = partsOf(entry.name).join('/');
    if (used.has(key)) return;
    used.add(key);
    entries.push(entry);
  };
  const ops = 1 + Math.floor(random() * 6);
  for (let i = 0; i < ops; i++) {
    const parts = [pick(NAMES)];
    const depth = Math.floor(random() * 3);
    for (let d = 0; d < depth; d++) parts.push(pick(DEEPER));
    if (explicitParents)
      for (let d = 1; d < parts.length; d++)
        add({ name: `${parts.slice(0, d).join('/')}/`, type: 'directory' });
    const path = parts.join('/');
    const kind = pick(['file', 'file', 'dir', 'symlink', 'whiteout', 'opaque'] as const);
    if (kind === 'file') add({ name: path, content: `c${i}` });
    else if (kind === 'dir') add({ name: `${path}/`, type: 'directory' });
    else if (kind === 'symlink') add({ name: path, type: 'symlink', linkname: 'elsewhere' });
    else if (kind === 'whiteout')
      add({ name: [...parts.slice(0, -1), `${WHITEOUT}${parts.at(-1)}`].join('/') });
    else {
      if (explicitParents) add({ name: `${path}/`, type: 'directory' });
      add({ name: `${path}/${OPAQUE}` });
    }
  }
  return entries;
}

/** Every path a layer names and each of its parents, whiteout names left out: the paths worth probing. */
export function namedPaths(layers: HostileEntry[][]): Set<string> {
  const out = new Set<string>();
  for (const layer of layers) {
    for (const entry of layer) {
      const parts = partsOf(entry.name);
      for (let i = 1; i <= parts.length; i++) {
        if (!(parts[i - 1] ?? '').startsWith(WHITEOUT)) out.add(parts.slice(0, i).join('/'));
      }
    }
  }
  return out;
}
