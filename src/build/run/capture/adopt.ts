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
 * Whiteouts the layer has are already in overlay form. overlayfs's other attributes (`origin`,
 * `impure`, `uuid`) stay: they mean something only on an upper directory, and a mounted overlay
 * never shows them. Any failure leaves the layer to be unpacked as before.
 */
import { lstatSync, lutimesSync, rmSync } from 'node:fs';
import { toUtimesSeconds } from '../../../tar/entry.ts';
import { OPAQUE_WHITEOUT } from '../../../tar/index.ts';
import { layerMtimeNs } from '../../../tar/layer.ts';
import { OPAQUE_XATTR, removeXattr } from '../rootfs/overlay-whiteouts.ts';
import type { ChangePlan } from './plan.ts';
import { planTimes, type WritePlanOptions } from './write.ts';

/**
 * Turns `plan.newRoot` (an unmounted upper directory) into the unpacked form of the layer that
 * {@link writePlan} wrote from `plan` with `options`. Call only after the layer is written: the
 * directory is changed in place.
 */
export function shapeUpperAsLayer(plan: ChangePlan, options: WritePlanOptions): void {
  const root = plan.newRoot;
  const { layerOptions, clamp } = planTimes(options);
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
  const unmarked: string[] = [];
  for (const [path, attrs] of plan.newXattrs ?? []) {
    if (path !== '' && attrs.has(OPAQUE_XATTR) && !opaqueKept.has(path) && exists(`${root}/${path}`)) {
      unmarked.push(`${root}/${path}`);
    }
  }
  if (unmarked.length > 0) removeXattr(OPAQUE_XATTR, unmarked);
  for (const item of plan.items) {
    if (item.kind !== 'entry' || item.status !== 'emit') continue;
    const seconds = toUtimesSeconds(layerMtimeNs(item.entry.stats.mtimeNs, layerOptions, clamp));
    lutimesSync(item.entry.absPath, seconds, seconds);
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
