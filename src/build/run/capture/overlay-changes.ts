/**
 * The changes of a step read off an overlay's upper directory (overlayfs.rst), compared only
 * where needed with `lower`, the merged view of the layers below: the cost follows what the step
 * touched, never the size of the root filesystem.
 * - a 0/0 character device is a removal: `.wh.NAME`, when the layers below have NAME;
 * - a directory with `trusted.overlay.opaque=y` over a lower directory was replaced: an opaque
 *   whiteout, and all of it is new;
 * - everything else in the upper directory was created or copied up, and goes through the
 *   shared rules of plan.ts (a copy-up that changed nothing is left out).
 */
import { type BigIntStats, lstatSync, readlinkSync } from 'node:fs';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from '../../../tar/index.ts';
import { lstatBig, sortedChildren, typeOfStats, walkEntryOf } from '../../../tar/walk.ts';
import { OPAQUE_XATTR } from '../rootfs/overlay-whiteouts.ts';
import { type ChangeItem, type ChangePlan, sameMetadata } from './plan.ts';
import { readTreeXattrsHosted } from './xattrs.ts';

function lstatOrUndefined(abs: string): BigIntStats | undefined {
  try {
    return lstatSync(abs, { bigint: true });
  } catch {
    return undefined;
  }
}

/** The plan of what `upper` changes over `lower` (both directories; the overlay unmounted). */
export function overlayChanges(
  upper: string,
  lower: string,
  options: { subsecond?: boolean } = {},
): ChangePlan {
  const subsecond = options.subsecond === true;
  const newXattrs = readTreeXattrsHosted(upper);
  const items: ChangeItem[] = [];
  const strays: string[] = [];

  const visit = (rel: string, merging: boolean): void => {
    const dirAbs = rel === '' ? upper : `${upper}/${rel}`;
    const children: Array<{ path: string; stats: BigIntStats }> = [];
    for (const name of sortedChildren(dirAbs)) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const stats = lstatBig(`${dirAbs}/${name}`);
      if (stats.isCharacterDevice() && stats.rdev === 0n) {
        // A whiteout: it hides something only when merging with a lower directory that has it.
        if (merging && lstatOrUndefined(`${lower}/${path}`) !== undefined) {
          items.push({
            kind: 'whiteout',
            path: rel === '' ? `${WHITEOUT_PREFIX}${name}` : `${rel}/${WHITEOUT_PREFIX}${name}`,
          });
        } else strays.push(path);
        continue;
      }
      children.push({ path, stats });
    }
    for (const { path, stats } of children) {
      const entry = walkEntryOf(`${upper}/${path}`, path, stats, undefined);
      if (entry === undefined) {
        strays.push(path); // a socket: tar has no form for it
        continue;
      }
      const old = merging ? lstatOrUndefined(`${lower}/${path}`) : undefined;
      const sameType = old !== undefined && typeOfStats(old) === entry.type;
      if (entry.type === 'directory') {
        if (!sameType) {
          items.push({ kind: 'entry', entry, status: 'emit', touched: true });
          visit(path, false);
        } else if (newXattrs.get(path)?.get(OPAQUE_XATTR)?.toString() === 'y') {
          items.push({ kind: 'entry', entry, status: 'emit', touched: true });
          items.push({ kind: 'whiteout', path: `${path}/${OPAQUE_WHITEOUT}` });
          visit(path, false);
        } else {
          const same = sameMetadata(old as BigIntStats, '', entry, subsecond);
          items.push({ kind: 'entry', entry, status: same ? 'check' : 'emit', touched: true });
          visit(path, true);
        }
        continue;
      }
      if (!sameType) {
        items.push({ kind: 'entry', entry, status: 'emit', touched: true });
        continue;
      }
      const oldLink = entry.type === 'symlink' ? readlinkSync(`${lower}/${path}`) : '';
      const same = sameMetadata(old as BigIntStats, oldLink, entry, subsecond);
      items.push({ kind: 'entry', entry, status: same ? 'check' : 'emit', touched: true });
    }
  };

  visit('', true);
  return { items, newRoot: upper, oldRoot: lower, newXattrs, strays };
}
