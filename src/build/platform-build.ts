/**
 * One target platform of a build: the global ARGs for it, the stages its target reaches (all
 * started at once, each waiting only for the stages it uses, so independent stages build
 * concurrently), and the target stage assembled into an image. A failing stage stops the others.
 */
import { formatPlatform, hostPlatform } from '../platform/index.ts';
import type { Platform } from '../spec/index.ts';
import type { Stage } from './dockerfile/types.ts';
import { assembleImage, type BuiltImage } from './output/assemble.ts';
import type { BuildSession, PlatformRun } from './session.ts';
import { globalScope, platformArgs } from './stage/args.ts';
import { expandFromName } from './stage/from.ts';
import { fromRef, reachableStages, targetStage } from './stage/graph.ts';
import { runStage } from './stage/run.ts';
import type { StageState } from './stage/state.ts';

/** The platform builds run on, and the default target: Linux on the host's architecture (BuildKit's). */
export function defaultPlatform(): Platform {
  const host = hostPlatform();
  return {
    architecture: host.architecture,
    os: 'linux',
    ...(host.variant !== undefined ? { variant: host.variant } : {}),
  };
}

/** How this platform's build was asked for. */
export interface PlatformBuildOptions {
  /** No platform was given: the base image's own platform is accepted. */
  readonly implicit: boolean;
  /** Several platforms are built (progress names the platform). */
  readonly multi: boolean;
  readonly target?: string;
}

/** Builds the target stage for `target` and assembles its image. */
export async function buildPlatform(
  session: BuildSession,
  target: Platform,
  options: PlatformBuildOptions,
): Promise<BuiltImage> {
  const dockerfile = session.dockerfile;
  const targetIndex = targetStage(dockerfile, options.target);
  const buildOn = defaultPlatform();
  const targetName = dockerfile.stages[targetIndex]?.name ?? '';
  const globals = globalScope(
    session,
    dockerfile.globalArgs,
    platformArgs(buildOn, target, targetName, session.buildArgs),
  );
  const stages = new Map<number, Promise<StageState>>();
  const output = new Set<number>();
  const run: PlatformRun = {
    session,
    target,
    implicit: options.implicit,
    ...(options.multi ? { label: formatPlatform(target) } : {}),
    globalArgs: globals,
    stages,
    output,
    stage(index: number): Promise<StageState> {
      let started = stages.get(index);
      if (started === undefined) {
        started = runStage(run, index);
        started.catch(() => {});
        stages.set(index, started);
      }
      return started;
    },
  };
  const needed = reachableStages(dockerfile, targetIndex, (stage: Stage) => expandFromName(run, stage));
  for (let i: number | undefined = targetIndex; i !== undefined; ) {
    output.add(i);
    const ref = fromRef(dockerfile, i, expandFromName(run, dockerfile.stages[i] as Stage));
    i = ref.kind === 'stage' ? ref.index : undefined;
  }
  const all = [...needed].sort((a, b) => a - b).map((i) => run.stage(i));
  try {
    await Promise.all(all);
  } finally {
    await Promise.allSettled(all);
  }
  const state = await run.stage(targetIndex);
  // Only the layers of the image written out are compressed (see cache/local.ts).
  const layers = [];
  for (const layer of state.fs.layers) {
    layers.push(await session.cache.compressedLayer(layer, state.platform, { signal: session.signal }));
  }
  return assembleImage(
    state,
    layers,
    session.time.iso,
    session.labels,
    options.implicit ? undefined : target,
  );
}
