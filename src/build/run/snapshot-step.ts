/**
 * A step without overlayfs: it runs in a copy of the stage's filesystem, and the layer is what
 * differs from the reference tree (capture/snapshot-changes.ts). Mount points are made in the
 * copy and taken out again before the comparison.
 */
import { join } from 'node:path';
import { settlePlan } from './capture/plan.ts';
import { runStartCtime } from './capture/run-start.ts';
import { directoryInodes, snapshotChanges } from './capture/snapshot-changes.ts';
import type { CapturedStep } from './overlay-step.ts';
import type { PreparedStep } from './prepared.ts';
import { prepareSnapshot } from './rootfs/snapshot.ts';
import { placeStubs, planStubs, removeStubs } from './rootfs/stubs.ts';
import type { LowerLayer } from './types.ts';

/** Runs `step` in a copy of `layers` applied, and captures what it changed. */
export async function snapshotStep(
  step: PreparedStep,
  layers: readonly LowerLayer[],
  options: { signal?: AbortSignal; onWarning?: (message: string) => void },
): Promise<CapturedStep> {
  const { reference, work } = await prepareSnapshot(layers, step.dir, options);
  options.signal?.throwIfAborted();
  const placed = placeStubs(work, planStubs(reference, step.points));
  const { user, run } = await step.enter(work);
  const inodes = directoryInodes(work);
  // The start of the run as the filesystem dates it: anything the step changes is at least this
  // recent, anything prepared before it older.
  const since = await runStartCtime(join(step.dir, 'started'), options.signal);
  await run();
  options.signal?.throwIfAborted();
  removeStubs(work, placed);
  const plan = snapshotChanges(work, reference, { inodes, since });
  const xattrs = settlePlan(plan);
  return { items: plan.items, xattrs, user };
}
