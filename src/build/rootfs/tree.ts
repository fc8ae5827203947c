/**
 * What a stage's root filesystem holds, without its contents: the directory tree merged from the
 * stage's layers (image-spec layer.md "Applying Changesets", whiteouts included), enough to place
 * COPY destinations as BuildKit does (symlinks on the way followed inside the root, existing
 * directories kept with their owners and modes) and to find the layer holding a file.
 *
 * Memory: a directory is an object, anything else a number (layer index and kind), so a tree of
 * 100k files stays a few megabytes. Trees are forked copy-on-write for stages built FROM a stage:
 * a directory is cloned the first time a fork changes it.
 */
import { components } from '../path-components.ts';

/** Kinds of non-directory, non-symlink nodes, stored in the low bits of a leaf. */
export const LEAF = { file: 1, hardlink: 2, special: 3 } as const;

/** A directory and what it holds. */
export interface DirNode {
  readonly kind: 'dir';
  /** The generation of the tree that owns this object (it may be changed only by that tree). */
  gen: number;
  mode: number;
  uid: number;
  gid: number;
  /** The layer that last wrote it (for opaque whiteouts). */
  layer: number;
  children: Map<string, TreeNode>;
}

/** A symbolic link. */
export interface LinkNode {
  readonly kind: 'symlink';
  readonly target: string;
  readonly layer: number;
}

/** Any node: a directory, a symlink, or a leaf number `layer * 8 + kind`. */
export type TreeNode = DirNode | LinkNode | number;

/** The layer that wrote a node. */
export function layerOf(node: TreeNode): number {
  return typeof node === 'number' ? Math.floor(node / 8) : node.layer;
}

/** A leaf's kind (see {@link LEAF}). */
export function leafKind(node: number): number {
  return node % 8;
}

/** The result of resolving a path in a tree. */
export interface TreeLookup {
  /** Real components (symlinks followed); missing components kept as written. */
  readonly real: string[];
  /** The node at `real`, undefined when it does not exist. */
  readonly node: TreeNode | undefined;
  /** True when a component before the last exists but is not a directory. */
  readonly blocked: boolean;
}

const MAX_LINKS = 40;
let generations = 0;

function newDir(gen: number, layer: number, mode = 0o755, uid = 0, gid = 0): DirNode {
  return { kind: 'dir', gen, mode, uid, gid, layer, children: new Map() };
}

/** A stage's directory tree; see the module comment. */
export class RootfsTree {
  private root: DirNode;
  private gen: number;

  constructor(root?: DirNode) {
    this.gen = ++generations;
    this.root = root ?? newDir(this.gen, -1);
  }

  /** A copy that shares every directory until one of the two trees changes it. */
  fork(): RootfsTree {
    this.gen = ++generations;
    return new RootfsTree(this.root);
  }

  /** The node at real components (no symlink followed), or undefined. */
  get(real: readonly string[]): TreeNode | undefined {
    let node: TreeNode = this.root;
    for (const part of real) {
      if (typeof node === 'number' || node.kind !== 'dir') return undefined;
      const next: TreeNode | undefined = node.children.get(part);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /**
   * Resolves `path` with every symlink followed inside the root (`..` stops at the root, absolute
   * targets restart there); the last component is followed only when `followFinal`.
   */
  resolve(path: string | readonly string[], followFinal: boolean): TreeLookup {
    const pending = (typeof path === 'string' ? components(path) : [...path]).reverse();
    const real: string[] = [];
    let dir: DirNode = this.root;
    let links = 0;
    while (pending.length > 0) {
      const part = pending.pop() as string;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        real.pop();
        dir = this.dirAt(real) ?? this.root;
        continue;
      }
      const node = dir.children.get(part);
      const isLast = pending.length === 0;
      if (node === undefined)
        return { real: [...real, part, ...pending.reverse()], node: undefined, blocked: false };
      if (
        typeof node !== 'number' &&
        node.kind === 'symlink' &&
        (!isLast || followFinal) &&
        links < MAX_LINKS
      ) {
        links++;
        if (node.target.startsWith('/')) real.length = 0;
        const parts = node.target.split('/');
        for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i] as string);
        dir = this.dirAt(real) ?? this.root;
        continue;
      }
      real.push(part);
      if (isLast) return { real, node, blocked: false };
      if (typeof node === 'number' || node.kind !== 'dir') {
        return { real: [...real, ...pending.reverse()], node: undefined, blocked: true };
      }
      dir = node;
    }
    return { real, node: this.get(real), blocked: false };
  }

  /** The directory at real components, or undefined. */
  dirAt(real: readonly string[]): DirNode | undefined {
    const node = this.get(real);
    return node !== undefined && typeof node !== 'number' && node.kind === 'dir' ? node : undefined;
  }

  /** The directory at `real`, made owned by this tree (cloned on the way when shared); implied parents are created. */
  private ownedDir(real: readonly string[], layer: number): DirNode {
    if (this.root.gen !== this.gen)
      this.root = { ...this.root, gen: this.gen, children: new Map(this.root.children) };
    let dir = this.root;
    for (const part of real) {
      let child = dir.children.get(part);
      if (child === undefined || typeof child === 'number' || child.kind !== 'dir') {
        child = newDir(this.gen, layer);
        dir.children.set(part, child);
      } else if (child.gen !== this.gen) {
        child = { ...child, gen: this.gen, children: new Map(child.children) };
        dir.children.set(part, child);
      }
      dir = child;
    }
    return dir;
  }

  /** Sets a directory's attributes at real components, keeping its contents when one is there. */
  setDir(real: readonly string[], attrs: { mode: number; uid: number; gid: number }, layer: number): void {
    const dir = this.ownedDir(real, layer);
    dir.mode = attrs.mode;
    dir.uid = attrs.uid;
    dir.gid = attrs.gid;
    dir.layer = layer;
  }

  /** Puts a symlink or leaf at real components (the parent must be reachable), replacing what was there. */
  setNode(real: readonly string[], node: LinkNode | number, layer: number): void {
    if (real.length === 0) return;
    const parent = this.ownedDir(real.slice(0, -1), layer);
    parent.children.set(real[real.length - 1] as string, node);
  }

  /** Removes the node at real components; `lowerThan`: only when written by an earlier layer. */
  remove(real: readonly string[], lowerThan?: number): void {
    if (real.length === 0) return;
    const parentPath = real.slice(0, -1);
    if (this.dirAt(parentPath) === undefined) return;
    const name = real[real.length - 1] as string;
    const existing = this.dirAt(parentPath)?.children.get(name);
    if (existing === undefined) return;
    if (lowerThan !== undefined && layerOf(existing) >= lowerThan) return;
    this.ownedDir(parentPath, layerOf(existing)).children.delete(name);
  }

  /** Opaque whiteout: removes everything below `real` that an earlier layer than `layer` wrote. */
  clearLower(real: readonly string[], layer: number): void {
    if (this.dirAt(real) === undefined) return;
    const prune = (path: readonly string[]): void => {
      const dir = this.ownedDir(path, layer);
      for (const [name, child] of [...dir.children]) {
        if (layerOf(child) < layer) dir.children.delete(name);
        else if (typeof child !== 'number' && child.kind === 'dir') prune([...path, name]);
      }
    };
    prune(real);
  }
}
