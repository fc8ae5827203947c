/**
 * The root that `COPY --from=X` and `RUN --mount=type=bind,from=X` read: a stage of this build or
 * an image, unpacked once per build whichever instruction asks first.
 */
import { formatPlatform } from '../../platform/index.ts';
import type { SourceRoot } from '../context/root.ts';
import type { Instruction } from '../dockerfile/types.ts';
import { extractedRoot } from '../rootfs/extract.ts';
import { StageFs } from '../rootfs/stage-fs.ts';
import type { PlatformRun } from '../session.ts';
import { imageLayers, openBaseImage } from '../stage/base-image.ts';
import { copyFromRef } from '../stage/graph.ts';
import type { StageState } from '../stage/state.ts';

/** A stage's or image's root, unpacked when first asked for, and what identifies its content. */
export interface FromRoot {
  /** A stable identity for cache keys (`stage:KEY` or `image:DIGEST:PLATFORM`). */
  readonly identity: string;
  readonly root: () => Promise<SourceRoot>;
}

/** The filesystem of each image named by `--from`, so one image is read once per build. */
const imageFilesystems = new WeakMap<object, Promise<StageFs>>();

/** Resolves `from` (a stage name or index, else an image) for the instruction `ins` of the stage `state`. */
export async function fromRoot(
  run: PlatformRun,
  state: StageState,
  from: string,
  ins: Instruction,
): Promise<FromRoot> {
  const { session } = run;
  const ref = copyFromRef(session.dockerfile, state.index, from, ins);
  if (ref.kind === 'stage') {
    const source = await run.stage(ref.index);
    return {
      identity: `stage:${source.key}`,
      root: () => extractedRoot(session, source.fs, `stage ${JSON.stringify(from)}`),
    };
  }
  const opened = await openBaseImage(session, ref.name, state.platform, false);
  let pending = imageFilesystems.get(opened);
  if (pending === undefined) {
    pending = imageLayers(opened, session).then((layers) => new StageFs(layers));
    imageFilesystems.set(opened, pending);
  }
  const fs = await pending;
  return {
    identity: `image:${opened.digest}:${formatPlatform(state.platform)}`,
    root: () => extractedRoot(session, fs, `image ${opened.name}`),
  };
}
