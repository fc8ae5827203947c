/**
 * What a step changed, as a list in layer order, shared by both ways of finding it (an overlay's
 * upper directory, or a snapshot compared with its reference) so both give the same layer:
 * - a path new, or of another type than before, is written; a directory the step replaced
 *   (`rm -rf d && mkdir d`) is written with an opaque whiteout and everything below it;
 * - a removed path becomes a `.wh.NAME` entry, written before its siblings (layer.md W9);
 * - a path with other metadata (mode, owner, size, mtime at the precision the layer records,
 *   device number, link target) is written;
 * - a path whose metadata is the same but that the step touched is checked further: other
 *   extended attributes → written; a regular file linked more than once → written (its links
 *   come with it as tar hard links); a single-link file → written only when its content differs
 *   (compared byte by byte: never decided by times alone); a directory, symlink, fifo or device
 *   → left out.
 * Paths the step did not touch are left out without reading them. Every written entry and
 * whiteout then brings its parent directories (up to, not including, the root) that are not
 * written already, as containerd's differ writes a diff (BuildKit's layers): an unpacker then
 * never has to guess the metadata of a directory whose children a layer changes.
 */
import { type BigIntStats, closeSync, openSync, readSync } from 'node:fs';
import { lstatBig, type WalkEntry, walkEntryOf } from '../../../tar/walk.ts';
import type { TreeXattrs } from '../../../tar/xattr-read.ts';
import { isOverlayXattr } from '../rootfs/overlay-whiteouts.ts';
import { readPathXattrs } from './xattrs.ts';

/** One line of the plan: an entry of the new tree, or a whiteout (`.wh.NAME` or `.wh..wh..opq`). */
export type ChangeItem =
  | { readonly kind: 'whiteout'; readonly path: string }
  | {
      readonly kind: 'entry';
      readonly entry: WalkEntry;
      /** `emit`: written; `check`: same metadata, decided by {@link settlePlan}; `drop`: left out. */
      status: 'emit' | 'check' | 'drop';
      /** Whether the step touched the path (copied up, or its inode changed since the run began). */
      readonly touched: boolean;
    };

/** A plan, with the new tree's attributes when the walk already read them. */
export interface ChangePlan {
  readonly items: ChangeItem[];
  readonly newRoot: string;
  readonly oldRoot: string;
  newXattrs?: TreeXattrs;
  /**
   * Paths of the new tree the layer has no entry for, whatever the plan says: an overlay's
   * whiteouts that hide nothing below, and sockets (tar has no form for them).
   */
  readonly strays?: readonly string[];
}

/** Whether two mtimes agree at the precision the layer records. */
function sameTime(a: bigint, b: bigint, subsecond: boolean): boolean {
  return subsecond ? a === b : a / 1_000_000_000n === b / 1_000_000_000n;
}

/** Whether an old and a new path of the same type carry the same metadata (see the module comment). */
export function sameMetadata(
  oldStats: BigIntStats,
  oldLink: string,
  entry: WalkEntry,
  subsecond: boolean,
): boolean {
  const st = entry.stats;
  if (oldStats.mode !== st.mode || oldStats.uid !== st.uid || oldStats.gid !== st.gid) return false;
  if (!sameTime(oldStats.mtimeNs, st.mtimeNs, subsecond)) return false;
  if (entry.type === 'directory') return true;
  if (oldStats.size !== st.size || oldStats.rdev !== st.rdev) return false;
  return entry.type !== 'symlink' || oldLink === entry.linkname;
}

/** Attributes a layer records (overlayfs's own never). */
export function layerXattrs(attrs: Map<string, Buffer> | undefined): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, value] of attrs ?? []) if (!isOverlayXattr(name)) out.set(name, value);
  return out;
}

function sameXattrs(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, value] of a) {
    const other = b.get(name);
    if (other === undefined || !other.equals(value)) return false;
  }
  return true;
}

/** Whether two regular files of the same size hold the same bytes. */
function sameContent(a: string, b: string): boolean {
  const fa = openSync(a, 'r');
  try {
    const fb = openSync(b, 'r');
    try {
      const size = 1 << 20;
      const ba = Buffer.allocUnsafe(size);
      const bb = Buffer.allocUnsafe(size);
      for (;;) {
        const na = readSync(fa, ba, 0, size, null);
        let nb = 0;
        while (nb < na) {
          const n = readSync(fb, bb, nb, na - nb, null);
          if (n === 0) return false;
          nb += n;
        }
        if (na === 0) return readSync(fb, bb, 0, 1, null) === 0;
        if (!ba.subarray(0, na).equals(bb.subarray(0, na))) return false;
      }
    } finally {
      closeSync(fb);
    }
  } finally {
    closeSync(fa);
  }
}

/**
 * Decides every `check` item (attributes, links, content) and makes sure the new tree's
 * attributes of every written entry are known. Returns the plan's new-tree attributes, without
 * overlayfs's own.
 */
export function settlePlan(plan: ChangePlan): TreeXattrs {
  const entries = plan.items.filter(
    (item): item is Extract<ChangeItem, { kind: 'entry' }> => item.kind === 'entry' && item.status !== 'drop',
  );
  const raw =
    plan.newXattrs ??
    readPathXattrs(
      plan.newRoot,
      entries.map((e) => e.entry.path),
    );
  const checks = entries.filter((e) => e.status === 'check');
  const oldXattrs = readPathXattrs(
    plan.oldRoot,
    checks.map((e) => e.entry.path),
  );
  for (const item of checks) {
    const { entry } = item;
    if (!sameXattrs(layerXattrs(raw.get(entry.path)), layerXattrs(oldXattrs.get(entry.path)))) {
      item.status = 'emit';
    } else if (entry.type === 'directory' || !item.touched) {
      item.status = 'drop';
    } else if (entry.type === 'file') {
      item.status =
        entry.stats.nlink > 1n || !sameContent(`${plan.oldRoot}/${entry.path}`, entry.absPath)
          ? 'emit'
          : 'drop';
    } else {
      item.status = 'drop';
    }
  }
  const added = includeParents(plan);
  const addedXattrs = plan.newXattrs === undefined ? readPathXattrs(plan.newRoot, added) : undefined;
  const out: TreeXattrs = new Map();
  for (const item of plan.items) {
    if (item.kind !== 'entry' || item.status !== 'emit') continue;
    const path = item.entry.path;
    const attrs = layerXattrs(raw.get(path) ?? addedXattrs?.get(path));
    if (attrs.size > 0) out.set(path, attrs);
  }
  return out;
}

/** The parent directories of a root-relative path, outermost first (the root left out). */
function parentsOf(path: string): string[] {
  const parts = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/**
 * Marks for writing, or adds to the plan just before their first written descendant, the parent
 * directories of every written entry and whiteout. A plan lists a directory before what is
 * below it, so a parent already in the plan is earlier and only changes status. Returns the
 * paths it added (their attributes are not read yet).
 */
function includeParents(plan: ChangePlan): string[] {
  const directories = new Map<string, Extract<ChangeItem, { kind: 'entry' }>>();
  const written = new Set<string>();
  const added: string[] = [];
  const items: ChangeItem[] = [];
  for (const item of plan.items) {
    const path = item.kind === 'whiteout' ? item.path : item.entry.path;
    if (item.kind === 'whiteout' || item.status === 'emit') {
      for (const parent of parentsOf(path)) {
        if (written.has(parent)) continue;
        written.add(parent);
        const known = directories.get(parent);
        if (known !== undefined) {
          known.status = 'emit';
          continue;
        }
        const abs = `${plan.newRoot}/${parent}`;
        const entry = walkEntryOf(abs, parent, lstatBig(abs), undefined);
        if (entry === undefined) continue;
        items.push({ kind: 'entry', entry, status: 'emit', touched: false });
        added.push(parent);
      }
    }
    if (item.kind === 'entry' && item.entry.type === 'directory') {
      directories.set(path, item);
      if (item.status === 'emit') written.add(path);
    }
    items.push(item);
  }
  plan.items.length = 0;
  for (const item of items) plan.items.push(item);
  return added;
}
