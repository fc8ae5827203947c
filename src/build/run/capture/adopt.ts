/**
 * An overlay step's upper directory made into the unpacked form of the layer written from it, so
 * the next step stands on it without unpacking that layer again (as buildah's overlay driver
 * keeps a layer's diff directory). Unpacked layers are shared by DiffID across steps, stages and
 * builds, so the directory must be what unpacking the layer gives, whatever the layers it was
 * made on:
 * - what the layer leaves out goes: copied-up paths the plan dropped (unchanged, they would hide
 *   another base's different file), whiteouts that hid nothing and sockets ({@link ChangePlan.strays});
 * - a directory keeps overlayfs's opaque mark only where the layer has an opaque whiteout (a
 *   directory made where a file was is marked by the kernel, but the layer merges it);
 * - every written path takes the mtime (and atime) its tar entry records, as the apply sets them.
 * Whiteouts the layer has are already in overlay form. overlayfs's other marks (`origin`,
 * `impure`, `uuid`) stay: they mean something only on an upper directory, and a mounted overlay
 * never shows them. What the directory cannot be made to match is refused ({@link NotAdoptable}),
 * and the layer is then unpacked as before: a written name starting with `.wh.` (an unpack reads
 * it as a whiteout), an attribute the layer does not record (`user.overlay.*`, any on the root),
 * a whiteout with no whiteout device under it.
 */
import { lstatSync, lutimesSync, rmSync } from 'node:fs';
import { toUtimesSeconds } from '../../../tar/entry.ts';
import { OPAQUE_WHITEOUT, WHITEOUT_PREFIX } from '../../../tar/index.ts';
import { layerMtimeNs } from '../../../tar/layer.ts';
import type { TreeXattrs } from '../../../tar/xattr-read.ts';
import { OPAQUE_XATTR, removeXattr } from '../rootfs/overlay-whiteouts.ts';
import type { ChangePlan } from './plan.ts';
import { planTimes, type WritePlanOptions } from './write.ts';

/** overlayfs's marks that only an upper directory acts on (overlayfs.rst): inert in a lower one. */
const INERT_OVERLAY_XATTRS = new Set([
  'trusted.overlay.origin',
  'trusted.overlay.impure',
  'trusted.overlay.uuid',
]);

/** Thrown when an upper directory cannot be made what unpacking its layer gives. */
export class NotAdoptable extends Error {}

/**
 * Turns `plan.newRoot` (an unmounted upper directory) into the unpacked form of the layer that
 * {@link writePlan} wrote from `plan` with `options`, whose recorded attributes are `recorded`.
 * Call only after the layer is written: the directory is changed in place. Throws
 * {@link NotAdoptable} (before changing anything) when it cannot match.
 */
export function shapeUpperAsLayer(plan: ChangePlan, recorded: TreeXattrs, options: WritePlanOptions): void {
  const root = plan.newRoot;
  const { layerOptions, clamp } = planTimes(options);
  const written = refuseWhatCannotMatch(plan, recorded);
  checkWhiteoutDevices(plan);
  const opaqueKept = new Set<string>();
  for (const item of plan.items) {
    if (item.kind === 'whiteout' && item.path.endsWith(`/${OPAQUE_WHITEOUT}`)) {
      opaqueKept.add(item.path.slice(0, -OPAQUE_WHITEOUT.length - 1));
    }
  }
  // Removals first: they change their parents' times, which are set after.
  for (const path of plan.strays ?? []) rmSync(`${root}/${path}`, { recursive: true, force: true });
  for (const item of plan.items) {
    if (item.kind === 'entry' && item.status === 'drop') {
      rmSync(item.entry.absPath, { recursive: true, force: true });
    }
  }
  // Every other path with the mark was removed just above.
  const unmarked: string[] = [];
  for (const [path, attrs] of plan.newXattrs ?? []) {
    if (written.has(path) && attrs.has(OPAQUE_XATTR) && !opaqueKept.has(path))
      unmarked.push(`${root}/${path}`);
  }
  if (unmarked.length > 0) removeXattr(OPAQUE_XATTR, unmarked);
  for (const item of plan.items) {
    if (item.kind !== 'entry' || item.status !== 'emit') continue;
    const seconds = toUtimesSeconds(layerMtimeNs(item.entry.stats.mtimeNs, layerOptions, clamp));
    lutimesSync(item.entry.absPath, seconds, seconds);
  }
}

/**
 * Throws NotAdoptable for a written `.wh.` name, or an attribute on disk the layer leaves out;
 * returns the written paths.
 */
function refuseWhatCannotMatch(plan: ChangePlan, recorded: TreeXattrs): Set<string> {
  const written = new Set<string>();
  for (const item of plan.items) {
    if (item.kind !== 'entry' || item.status !== 'emit') continue;
    const path = item.entry.path;
    if (path.split('/').some((part) => part.startsWith(WHITEOUT_PREFIX))) {
      throw new NotAdoptable(`${path}: an unpack reads this name as a whiteout`);
    }
    written.add(path);
  }
  for (const [path, attrs] of plan.newXattrs ?? []) {
    if (path !== '' && !written.has(path)) continue; // removed below, or a whiteout device
    const kept = recorded.get(path);
    for (const name of attrs.keys()) {
      if (inertMark(name, path) || kept?.has(name) === true) continue;
      throw new NotAdoptable(`${path === '' ? 'the root' : path}: attribute ${name} is not in the layer`);
    }
  }
  return written;
}

/** Whether attribute `name` of `path` may stay although the layer does not record it. */
function inertMark(name: string, path: string): boolean {
  return INERT_OVERLAY_XATTRS.has(name) || (name === OPAQUE_XATTR && path !== '');
}

/** Throws NotAdoptable when a whiteout of the plan has no whiteout device (a 0/0 character device) under it. */
function checkWhiteoutDevices(plan: ChangePlan): void {
  for (const item of plan.items) {
    if (item.kind !== 'whiteout') continue;
    const slash = item.path.lastIndexOf('/');
    const base = item.path.slice(slash + 1);
    if (base === OPAQUE_WHITEOUT) continue; // checked as the directory's mark
    const target = `${item.path.slice(0, slash + 1)}${base.slice(WHITEOUT_PREFIX.length)}`;
    let device = false;
    try {
      const st = lstatSync(`${plan.newRoot}/${target}`, { bigint: true });
      device = st.isCharacterDevice() && st.rdev === 0n;
    } catch {
      device = false;
    }
    if (!device) throw new NotAdoptable(`${target}: no whiteout device where the layer has ${item.path}`);
  }
}
