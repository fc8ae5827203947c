/**
 * The RUN step executor: one command run by runc on the stage's root filesystem, and the layer
 * of what it changed. Overlayfs is used when it can be mounted (the capture then costs what the
 * step changed); otherwise, or when asked, a snapshot comparison gives the same layer. Nothing
 * is left behind: mounts are taken down and the step's scratch folder removed, on success and
 * on failure alike; only unpacked layers stay, for the next steps.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Digest } from '../../digest/index.ts';
import type { TreeXattrs } from '../../tar/xattr-read.ts';
import { shapeUpperAsLayer } from './capture/adopt.ts';
import type { ChangePlan } from './capture/plan.ts';
import { countEntries, type WritePlanOptions, writePlan } from './capture/write.ts';
import { placed } from './errors.ts';
import { spoolLayer } from './output.ts';
import { type CapturedStep, overlayStep } from './overlay-step.ts';
import { prepareStep } from './prepared.ts';
import { LayerCache } from './rootfs/layer-cache.ts';
import { StepMounts } from './rootfs/mounted.ts';
import { isOverlayUnavailable } from './rootfs/overlay-mount.ts';
import { rootlessStep } from './rootless/rootless-step.ts';
import { snapshotStep } from './snapshot-step.ts';
import type { CaptureMethod, RunStepOptions, RunStepResult, SpooledRunLayer } from './types.ts';

/** Layer caches by root folder, so steps of one process share in-flight unpacks. */
const caches = new Map<string, LayerCache>();

function cacheAt(root: string): LayerCache {
  let cache = caches.get(root);
  if (cache === undefined) {
    cache = new LayerCache(root);
    caches.set(root, cache);
  }
  return cache;
}

/**
 * Runs one RUN step (see {@link RunStepOptions}) and captures its layer. Fails with
 * COMMAND_FAILED (place, argv and exit code in message and data) when the command exits non-zero,
 * INVALID_ARGUMENT for an unknown user or group or a bad mount, UNSUPPORTED when neither overlay
 * nor snapshot can run or (not as root, or with `idMappings`: run in a user namespace, see
 * rootless/rootless-step.ts) when no user namespace can be made, ABORTED when the signal fires.
 */
export async function runStep<L = SpooledRunLayer>(options: RunStepOptions<L>): Promise<RunStepResult<L>> {
  if (options.idMappings !== undefined || (typeof process.getuid === 'function' && process.getuid() !== 0)) {
    return rootlessStep(options);
  }
  options.signal?.throwIfAborted();
  const cache = cacheAt(options.cacheRoot);
  const dir = cache.scratch('step');
  const mounts = new StepMounts();
  const wanted = options.capture ?? 'auto';
  const stepOptions = {
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    ...(options.onWarning !== undefined ? { onWarning: options.onWarning } : {}),
  };
  let spooled: SpooledRunLayer | undefined;
  try {
    let method: CaptureMethod = wanted === 'snapshot' ? 'snapshot' : 'overlay';
    let captured: CapturedStep;
    if (method === 'overlay') {
      const step = prepareStep(options, attemptDir(dir, 'overlay'));
      try {
        captured = await overlayStep(step, options.layers, cache, mounts, stepOptions);
      } catch (err) {
        if (wanted !== 'auto' || !isOverlayUnavailable(err)) throw err;
        options.onWarning?.(`${(err as Error).message}; comparing snapshots instead`);
        await mounts.releaseAll();
        method = 'snapshot';
        captured = await snapshotStep(
          prepareStep(options, attemptDir(dir, 'snapshot')),
          options.layers,
          stepOptions,
        );
      }
    } else {
      captured = await snapshotStep(
        prepareStep(options, attemptDir(dir, 'snapshot')),
        options.layers,
        stepOptions,
      );
    }
    const entries = countEntries(captured.items);
    let layer: L | undefined;
    if (entries > 0) {
      const writeOptions = options.timestamp !== undefined ? { timestamp: options.timestamp } : {};
      const tar = writePlan(captured.items, captured.xattrs, {
        ...writeOptions,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      });
      const io = options.signal !== undefined ? { signal: options.signal } : {};
      if (options.writeLayer !== undefined) layer = await options.writeLayer(tar, io);
      else {
        spooled = await spoolLayer(tar, join(cache.root, 'tmp'), options.signal);
        layer = spooled as L;
      }
      const diffId = diffIdOf(layer);
      if (captured.overlayPlan !== undefined && diffId !== undefined) {
        adoptUpper(cache, diffId, captured.overlayPlan, captured.xattrs, writeOptions);
      }
    }
    await finish(mounts, dir);
    const { uid, gid, additionalGids } = captured.user;
    return { ...(layer !== undefined ? { layer } : {}), entries, method, user: { uid, gid, additionalGids } };
  } catch (err) {
    await finish(mounts, dir).catch(() => {});
    await spooled?.dispose();
    throw placed(options.place, err);
  }
}

/** The DiffID a written layer carries (the spooled default and the build's cache entries do). */
function diffIdOf(layer: unknown): Digest | undefined {
  const diffId = (layer as { diffId?: unknown } | null)?.diffId;
  return typeof diffId === 'string' ? (diffId as Digest) : undefined;
}

/**
 * Keeps the upper directory of an overlay step as the unpacked layer (capture/adopt.ts), so the
 * next step does not unpack what this one just wrote. Anything that goes wrong only costs that
 * unpack: the directory is then removed with the step's scratch folder.
 */
function adoptUpper(
  cache: LayerCache,
  diffId: Digest,
  plan: ChangePlan,
  recorded: TreeXattrs,
  options: WritePlanOptions,
): void {
  try {
    if (existsSync(cache.pathOf(diffId))) return;
    shapeUpperAsLayer(plan, recorded, options);
  } catch {
    return;
  }
  cache.adopt(diffId, plan.newRoot);
}

/** A fresh sub-folder of the step's scratch folder for one attempt; returns its path. */
function attemptDir(dir: string, name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  return path;
}

/** Takes the mounts down, then the scratch folder (kept, and the failure thrown, if a mount would not go). */
async function finish(mounts: StepMounts, dir: string): Promise<void> {
  try {
    await mounts.releaseAll();
  } finally {
    if (mounts.empty) rmSync(dir, { recursive: true, force: true });
  }
}
