/**
 * A step on overlayfs: the stage's unpacked layers (shared, read-only) are the lower directories,
 * the step writes into a fresh upper directory, and the layer is read off that directory once
 * the overlay is unmounted, compared where needed with a read-only overlay of the layers alone
 * (the "lower view"). Mount points come from a stub layer (rootfs/stubs.ts), so nothing the
 * runtime needs is ever created in the upper directory.
 */
import { chmodSync, lchownSync, lstatSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeXattrs } from '../../tar/xattr-read.ts';
import { overlayChanges } from './capture/overlay-changes.ts';
import { type ChangeItem, type ChangePlan, settlePlan } from './capture/plan.ts';
import type { PreparedStep } from './prepared.ts';
import type { LayerCache } from './rootfs/layer-cache.ts';
import type { StepMounts } from './rootfs/mounted.ts';
import { planStubs, writeStubLayer } from './rootfs/stubs.ts';
import type { LowerLayer } from './types.ts';
import type { StepUser } from './user.ts';

/** What a captured step hands on: its settled plan and the attributes to record. */
export interface CapturedStep {
  readonly items: readonly ChangeItem[];
  readonly xattrs: TreeXattrs;
  readonly user: StepUser;
  /** The plan read off an overlay's upper directory (whose unpacked form the layer may adopt). */
  readonly overlayPlan?: ChangePlan;
}

/** Runs `step` on an overlay of `layers`; the lower view stays mounted (in `mounts`) for the layer writer. */
export async function overlayStep(
  step: PreparedStep,
  layers: readonly LowerLayer[],
  cache: LayerCache,
  mounts: StepMounts,
  options: { signal?: AbortSignal; onWarning?: (message: string) => void },
): Promise<CapturedStep> {
  const dirs = await cache.unpackAll(layers, options);
  options.signal?.throwIfAborted();
  const topFirst = [...dirs].reverse();
  const dir = (name: string): string => {
    const path = join(step.dir, name);
    mkdirSync(path);
    return path;
  };

  // The lower view is always an overlay (a read-only one needs two lower directories, hence the
  // empty one under a single layer): a layer's own whiteout devices must never show as files.
  const empty = dir('empty');
  let lower = empty;
  if (topFirst.length > 0) {
    lower = dir('lower');
    const viewed = topFirst.length >= 2 ? topFirst : [...topFirst, empty];
    await mounts.mount({ lowers: viewed, target: lower, links: join(step.dir, 'links-lower') });
  }

  const stubs = dir('stubs');
  const hasStubs = writeStubLayer(stubs, lower, planStubs(lower, step.points));
  const lowers = hasStubs ? [stubs, ...topFirst] : topFirst.length > 0 ? topFirst : [empty];
  const upper = dir('upper');
  const work = dir('work');
  // The merged root's own attributes are the upper directory's: those of the stage's root.
  const root = lstatSync(lower);
  lchownSync(upper, root.uid, root.gid);
  chmodSync(upper, root.mode & 0o7777);
  const rootfs = dir('rootfs');
  await mounts.mount({ lowers, upper, work, target: rootfs, links: join(step.dir, 'links-rootfs') });

  const { user, run } = await step.enter(rootfs);
  await run();
  await mounts.release(rootfs);
  options.signal?.throwIfAborted();

  const plan = overlayChanges(upper, lower);
  const xattrs = settlePlan(plan);
  return { items: plan.items, xattrs, user, overlayPlan: plan };
}
