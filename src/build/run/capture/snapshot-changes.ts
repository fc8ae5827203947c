/**
 * The changes of a step found by comparing its root filesystem (a copy it ran in) with the
 * reference it was copied from, for when no overlay can be mounted. Whether the step touched a
 * path is told by the kernel, not by times a step can set: a path whose status-change time
 * (ctime) is not older than the start of the run was written, linked, renamed or re-created
 * then, and a directory with another inode than before the run, or born since, was replaced
 * (the overlay's opaque directory). The rules of plan.ts then make the same layer an overlay would.
 */
import { type BigIntStats, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from '../../../tar/index.ts';
import { lstatBig, sortedChildren, typeOfStats, walkEntryOf } from '../../../tar/walk.ts';
import { type ChangeItem, type ChangePlan, sameMetadata } from './plan.ts';

/** The inode of every directory of a tree, by root-relative path (taken before the run). */
export function directoryInodes(root: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const visit = (rel: string): void => {
    const abs = rel === '' ? root : `${root}/${rel}`;
    for (const child of readdirSync(abs, { withFileTypes: true })) {
      if (!child.isDirectory()) continue;
      const path = rel === '' ? child.name : `${rel}/${child.name}`;
      out.set(path, lstatSync(`${root}/${path}`, { bigint: true }).ino);
      visit(path);
    }
  };
  visit('');
  return out;
}

/** What the run of a snapshot started from. */
export interface SnapshotBaseline {
  /** Directory inodes of the copy before the run ({@link directoryInodes}). */
  readonly inodes: ReadonlyMap<string, bigint>;
  /** A ctime (ns) taken just before the run: anything changed since has a ctime at least this. */
  readonly since: bigint;
}

/**
 * Whether the directory at `path` is not the one that was there before the run: another inode,
 * or (where the filesystem records it, since an inode number can be reused at once) born since.
 */
function replaced(path: string, stats: BigIntStats, baseline: SnapshotBaseline): boolean {
  if (baseline.inodes.get(path) !== stats.ino) return true;
  // A birth time equal to the change time may be the change time standing in for a missing one.
  const born = stats.birthtimeNs;
  return born > 0n && born !== stats.ctimeNs && born >= baseline.since;
}

/** The plan of what `work` (after the run) changes over `reference`. */
export function snapshotChanges(
  work: string,
  reference: string,
  baseline: SnapshotBaseline,
  options: { subsecond?: boolean } = {},
): ChangePlan {
  const subsecond = options.subsecond === true;
  const items: ChangeItem[] = [];

  const visit = (rel: string, merging: boolean): void => {
    const newNames = sortedChildren(rel === '' ? work : `${work}/${rel}`);
    const oldNames = merging
      ? new Set(sortedChildren(rel === '' ? reference : `${reference}/${rel}`))
      : new Set<string>();
    if (merging) {
      const present = new Set(newNames);
      for (const name of [...oldNames].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
        if (!present.has(name)) {
          items.push({
            kind: 'whiteout',
            path: rel === '' ? `${WHITEOUT_PREFIX}${name}` : `${rel}/${WHITEOUT_PREFIX}${name}`,
          });
        }
      }
    }
    for (const name of newNames) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const stats = lstatBig(`${work}/${path}`);
      const entry = walkEntryOf(`${work}/${path}`, path, stats, undefined);
      if (entry === undefined) continue;
      const old: BigIntStats | undefined = oldNames.has(name) ? lstatBig(`${reference}/${path}`) : undefined;
      const sameType = old !== undefined && typeOfStats(old) === entry.type;
      const touched = stats.ctimeNs >= baseline.since;
      if (entry.type === 'directory') {
        if (!sameType) {
          items.push({ kind: 'entry', entry, status: 'emit', touched: true });
          visit(path, false);
        } else if (replaced(path, stats, baseline)) {
          items.push({ kind: 'entry', entry, status: 'emit', touched: true });
          items.push({ kind: 'whiteout', path: `${path}/${OPAQUE_WHITEOUT}` });
          visit(path, false);
        } else {
          const same = sameMetadata(old as BigIntStats, '', entry, subsecond);
          if (!same || touched)
            items.push({ kind: 'entry', entry, status: same ? 'check' : 'emit', touched });
          visit(path, true);
        }
        continue;
      }
      if (!sameType) {
        items.push({ kind: 'entry', entry, status: 'emit', touched: true });
        continue;
      }
      const oldLink = entry.type === 'symlink' ? readlinkSync(`${reference}/${path}`) : '';
      const same = sameMetadata(old as BigIntStats, oldLink, entry, subsecond);
      if (!same) items.push({ kind: 'entry', entry, status: 'emit', touched });
      else if (touched) items.push({ kind: 'entry', entry, status: 'check', touched });
    }
  };

  visit('', true);
  return { items, newRoot: work, oldRoot: reference };
}
