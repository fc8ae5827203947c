/**
 * The stages a build needs and how they refer to each other (BuildKit's dispatch states): a
 * FROM or `COPY --from` names an earlier stage by its `AS` name (case-insensitive) or, for
 * `--from`, by index; anything else is an image. A reference to the stage itself or to a later
 * one is refused, so the graph has no cycles. Only the stages the target reaches are built.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { ParsedDockerfile, Stage } from '../dockerfile/types.ts';
import { dockerfileError } from '../errors.ts';

/** What a FROM or `COPY --from` names. */
export type StageRef = { kind: 'stage'; index: number } | { kind: 'image'; name: string };

/** The display name of a stage: its `AS` name, else `stage-N` (BuildKit's). */
export function stageName(stage: Stage): string {
  return stage.name ?? `stage-${stage.index}`;
}

/** The index of the stage `name` names (case-insensitive), or undefined. */
export function findStage(dockerfile: ParsedDockerfile, name: string): number | undefined {
  const lower = name.toLowerCase();
  return dockerfile.stages.find((s) => s.name !== undefined && s.name.toLowerCase() === lower)?.index;
}

/** The stage the build produces: `--target`, else the last one. */
export function targetStage(dockerfile: ParsedDockerfile, target?: string): number {
  if (dockerfile.stages.length === 0) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, 'the Dockerfile contains no stages to build');
  }
  if (target === undefined || target === '') return dockerfile.stages.length - 1;
  const index = findStage(dockerfile, target);
  if (index === undefined) {
    const names = dockerfile.stages.flatMap((s) => (s.name === undefined ? [] : [s.name]));
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `target stage ${JSON.stringify(target)} could not be found${names.length > 0 ? ` (stages: ${names.join(', ')})` : ''}`,
      { data: { target, stages: names } },
    );
  }
  return index;
}

/** What the FROM of stage `current` stands on (its image name already expanded). */
export function fromRef(dockerfile: ParsedDockerfile, current: number, image: string): StageRef {
  const index = findStage(dockerfile, image);
  if (index === undefined) return { kind: 'image', name: image };
  const stage = dockerfile.stages[current] as Stage;
  if (index >= current) {
    throw dockerfileError(
      stage.from,
      index === current
        ? `stage ${JSON.stringify(image)} cannot be built FROM itself`
        : `stage ${JSON.stringify(stageName(stage))} cannot be built FROM stage ${JSON.stringify(image)}, which is defined after it`,
    );
  }
  return { kind: 'stage', index };
}

/** What `COPY --from=value` in stage `current` names (a stage by name or index, else an image). */
export function copyFromRef(
  dockerfile: ParsedDockerfile,
  current: number,
  value: string,
  place: Parameters<typeof dockerfileError>[0],
): StageRef {
  if (/\$/.test(value)) {
    throw dockerfileError(
      place,
      'variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround',
    );
  }
  let index: number | undefined;
  if (/^[0-9]+$/.test(value)) {
    index = Number(value);
    if (index >= dockerfile.stages.length) throw dockerfileError(place, `invalid stage index ${value}`);
  } else index = findStage(dockerfile, value);
  if (index === undefined) return { kind: 'image', name: value };
  if (index >= current) {
    const here = stageName(dockerfile.stages[current] as Stage);
    throw dockerfileError(
      place,
      `cannot copy from stage ${JSON.stringify(value)}, it needs to be defined before current stage ${JSON.stringify(here)}`,
    );
  }
  return { kind: 'stage', index };
}

/** The earlier stages stage `index` uses directly (its FROM stage and every `COPY --from` stage). */
export function stageDeps(
  dockerfile: ParsedDockerfile,
  index: number,
  expandFrom: (stage: Stage) => string,
): number[] {
  const stage = dockerfile.stages[index] as Stage;
  const deps = new Set<number>();
  const base = fromRef(dockerfile, index, expandFrom(stage));
  if (base.kind === 'stage') deps.add(base.index);
  for (const ins of stage.instructions) {
    if (ins.kind === 'COPY' && ins.from !== undefined) {
      const ref = copyFromRef(dockerfile, index, ins.from, ins);
      if (ref.kind === 'stage') deps.add(ref.index);
    }
  }
  return [...deps];
}

/** Every stage the target needs, itself included. */
export function reachableStages(
  dockerfile: ParsedDockerfile,
  target: number,
  expandFrom: (stage: Stage) => string,
): Set<number> {
  // A worklist, not recursion: a chain of thousands of stages must not exhaust the stack.
  const seen = new Set<number>([target]);
  const pending = [target];
  for (let i = pending.pop(); i !== undefined; i = pending.pop()) {
    for (const d of stageDeps(dockerfile, i, expandFrom)) {
      if (!seen.has(d)) {
        seen.add(d);
        pending.push(d);
      }
    }
  }
  return seen;
}
