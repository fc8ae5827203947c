/**
 * Mount points for a step's mounts (`/proc`, `/sys`, `/dev`, the generated `/etc` files, RUN
 * mounts) that the root filesystem lacks. The runtime would create them in the root filesystem,
 * and they, and the times of the directories they were made in, would leak into the layer. So
 * they are made beforehand, where the layer never sees them:
 * - with overlay, in an extra lower directory on top of the stage's layers (a "stub layer"): the
 *   runtime finds them, creates nothing, and the upper directory stays clean. Every directory
 *   the stub layer shares with the layers below copies their attributes (mode, owner, times,
 *   extended attributes), because a directory's attributes come from the top-most layer that has it;
 * - with a snapshot, in the copy itself, removed after the run, their directories' times put back
 *   unless the step changed those directories.
 * Paths are resolved as the runtime resolves destinations (symlinks followed inside the root).
 */
import {
  chmodSync,
  lchownSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { toUtimesSeconds } from '../../../tar/entry.ts';
import { setXattrs } from '../../../tar/special.ts';
import { readPathXattrs } from '../capture/xattrs.ts';
import { resolveInRoot } from './root-path.ts';

/** A mount destination and what must be there to mount on. */
export interface MountPoint {
  readonly destination: string;
  readonly kind: 'directory' | 'file';
}

/** What has to be made for a set of mount points. */
export interface StubPlan {
  /** Existing directories on the way (root-relative, parents first), whose attributes are kept. */
  readonly parents: string[];
  /** Paths to create (root-relative, parents first). */
  readonly create: Array<{ readonly path: string; readonly kind: 'directory' | 'file' }>;
}

/** Plans the stubs `points` need in the tree at `root` (the stage's root filesystem, not modified). */
export function planStubs(root: string, points: readonly MountPoint[]): StubPlan {
  const parents = new Set<string>();
  const create = new Map<string, 'directory' | 'file'>();
  for (const point of points) {
    const resolved = resolveInRoot(root, point.destination);
    if (resolved.missing.length === 0) continue;
    for (let i = 1; i <= resolved.existing.length; i++) parents.add(resolved.existing.slice(0, i).join('/'));
    for (let i = 1; i <= resolved.missing.length; i++) {
      const path = [...resolved.existing, ...resolved.missing.slice(0, i)].join('/');
      if (!create.has(path)) create.set(path, i === resolved.missing.length ? point.kind : 'directory');
    }
  }
  const depth = (p: string): number => p.split('/').length;
  return {
    parents: [...parents].sort((a, b) => depth(a) - depth(b)),
    create: [...create].map(([path, kind]) => ({ path, kind })),
  };
}

function makeStub(abs: string, kind: 'directory' | 'file'): void {
  if (kind === 'directory') mkdirSync(abs, 0o755);
  else writeFileSync(abs, '', { mode: 0o644 });
}

/**
 * Writes the stub layer for `plan` into the empty directory `dir`, its shared directories copied
 * from `lower` (the merged view of the layers below). Returns false when there is nothing to stub.
 */
export function writeStubLayer(dir: string, lower: string, plan: StubPlan): boolean {
  if (plan.create.length === 0) return false;
  for (const path of plan.parents) mkdirSync(`${dir}/${path}`);
  for (const { path, kind } of plan.create) makeStub(`${dir}/${path}`, kind);
  const xattrs = readPathXattrs(lower, plan.parents);
  const items = [];
  for (const path of plan.parents) {
    const attrs = xattrs.get(path);
    if (attrs !== undefined && attrs.size > 0) items.push({ path: `${dir}/${path}`, xattrs: attrs });
  }
  setXattrs(items);
  // Deepest first, so a parent's times are set after its children are in place.
  for (const path of [...plan.parents].reverse()) {
    const st = lstatSync(`${lower}/${path}`, { bigint: true });
    const abs = `${dir}/${path}`;
    // Owner first: chown clears a setgid bit that chmod then puts back.
    lchownSync(abs, Number(st.uid), Number(st.gid));
    chmodSync(abs, Number(st.mode) & 0o7777);
    lutimesSync(abs, toUtimesSeconds(st.atimeNs), toUtimesSeconds(st.mtimeNs));
  }
  return true;
}

/** Stubs made in a snapshot's copy, to be taken out after the run. */
export interface PlacedStubs {
  readonly plan: StubPlan;
  /** Times of each parent before and right after the stubs went in. */
  readonly parents: Array<{ path: string; atime: bigint; mtime: bigint; after: bigint }>;
}

/** Makes the stubs of `plan` inside `root` (a snapshot's copy) and remembers the parents' times. */
export function placeStubs(root: string, plan: StubPlan): PlacedStubs {
  const before = plan.parents.map((path) => {
    const st = lstatSync(`${root}/${path}`, { bigint: true });
    return { path, atime: st.atimeNs, mtime: st.mtimeNs };
  });
  for (const { path, kind } of plan.create) makeStub(`${root}/${path}`, kind);
  const parents = before.map((p) => ({
    ...p,
    after: lstatSync(`${root}/${p.path}`, { bigint: true }).mtimeNs,
  }));
  return { plan, parents };
}

/**
 * Whether every directory above `path` inside `root` is still a real directory: the step ran in
 * this tree and may have put a symlink (to anywhere on the host) where a stub's parent was.
 */
function parentsReal(root: string, path: string): boolean {
  const parts = path.split('/');
  let abs = root;
  for (const part of parts.slice(0, -1)) {
    abs = `${abs}/${part}`;
    try {
      if (!lstatSync(abs).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Takes the stubs out of `root` after the run: each stub that is still empty (the step may have
 * filled a stub directory that was not mounted over) and each parent time the step did not change.
 * A path whose parents are no longer real directories is left alone: it is the step's doing.
 */
export function removeStubs(root: string, placed: PlacedStubs): void {
  const touched = new Set<string>();
  for (const p of placed.parents) {
    const st = parentsReal(root, p.path)
      ? lstatSync(`${root}/${p.path}`, { bigint: true, throwIfNoEntry: false })
      : undefined;
    if (st === undefined || !st.isDirectory() || st.mtimeNs !== p.after) touched.add(p.path);
  }
  for (const { path, kind } of [...placed.plan.create].reverse()) {
    if (!parentsReal(root, path)) continue;
    const abs = `${root}/${path}`;
    try {
      const st = lstatSync(abs);
      if (kind === 'directory' && st.isDirectory()) rmdirSync(abs);
      else if (kind === 'file' && st.isFile() && st.size === 0) unlinkSync(abs);
    } catch {
      // Not empty, or replaced: the step's own.
    }
  }
  for (const p of [...placed.parents].reverse()) {
    if (touched.has(p.path)) continue;
    lutimesSync(`${root}/${p.path}`, toUtimesSeconds(p.atime), toUtimesSeconds(p.mtime));
  }
}
