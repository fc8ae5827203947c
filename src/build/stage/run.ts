/**
 * Running one stage: its FROM, its ONBUILD triggers, then its instructions in order, each placed
 * at its Dockerfile line when it fails, each recorded in the config's history as BuildKit records
 * it. Steps that can write layers (FROM of an image, COPY, ADD, WORKDIR, RUN) are reported as
 * progress, and the lines a RUN prints as output events of its step.
 */
import { stepKey } from '../cache/keys.ts';
import type { Instruction, Stage } from '../dockerfile/types.ts';
import { atInstruction } from '../errors.ts';
import { copyStep } from '../instructions/copy.ts';
import { applyMetadata, isMetadata } from '../instructions/metadata.ts';
import { runInstructionStep } from '../instructions/run.ts';
import { workdirStep } from '../instructions/workdir.ts';
import type { PlatformRun } from '../session.ts';
import { declareArgs } from './args.ts';
import { startStage } from './from.ts';
import { addHistory, type StageState } from './state.ts';

type StageInstruction = Exclude<Instruction, { kind: 'FROM' }>;

/** Where a stage's steps stand (BuildKit's `[stage-0 2/4]`): the FROM of an image, then each layer step. */
interface Counter {
  done: number;
  readonly total: number;
  /** The ARG names the stage declared so far, in order (RUN's history lists them). */
  readonly args: string[];
}

/** Reports a step as it starts and as it ends (cached or done); `id` names it in output events. */
function reporter(
  run: PlatformRun,
  state: { name: string },
  counter: Counter,
  line: number,
  text: string,
): ((cached: boolean) => void) & { readonly id: number } {
  const { session } = run;
  const id = session.nextStep++;
  const base = {
    kind: 'step' as const,
    id,
    stage: state.name,
    index: ++counter.done,
    total: counter.total,
    ...(run.label !== undefined ? { platform: run.label } : {}),
    text,
    line,
  };
  const started = Date.now();
  session.emit({ ...base, status: 'started', cached: false });
  const done = (cached: boolean): void => {
    session.emit({ ...base, status: cached ? 'cached' : 'done', cached, ms: Date.now() - started });
  };
  return Object.assign(done, { id });
}

/** Runs one instruction of a stage. */
async function runInstruction(
  run: PlatformRun,
  state: StageState,
  counter: Counter,
  ins: StageInstruction,
): Promise<void> {
  const { session } = run;
  const created = session.time.iso;
  if (ins.kind === 'ARG') {
    counter.args.push(...ins.args.map((a) => a.name));
    const text = declareArgs(session, state.env, run.globalArgs, ins);
    state.key = stepKey([state.key, ins.original]);
    addHistory(state, text, true, created);
    return;
  }
  if (isMetadata(ins)) {
    const text = applyMetadata(session, state, ins);
    if (text === undefined) return;
    state.key = stepKey([state.key, text]);
    addHistory(state, text, true, created);
    return;
  }
  const done = reporter(run, state, counter, ins.range.startLine, ins.original);
  const { text, result } =
    ins.kind === 'WORKDIR'
      ? await workdirStep(run, state, ins)
      : ins.kind === 'RUN'
        ? await runInstructionStep(run, state, ins, counter.args, (line, stream) =>
            session.emit({ kind: 'output', id: done.id, stream, line }),
          )
        : await copyStep(run, state, ins);
  if (result.layer !== undefined) {
    state.config.rootfs = {
      ...state.config.rootfs,
      diff_ids: [...state.config.rootfs.diff_ids, result.layer.diffId],
    };
  }
  addHistory(state, text, result.layer === undefined, created);
  done(result.cached);
}

/** Builds stage `index` of the Dockerfile for the run's platform. */
export async function runStage(run: PlatformRun, index: number): Promise<StageState> {
  const stage = run.session.dockerfile.stages[index] as Stage;
  const { state, triggers, shown } = await atInstruction(stage.from, () => startStage(run, stage));
  const instructions = [...triggers, ...stage.instructions];
  const layerSteps = instructions.filter((i) => ['COPY', 'ADD', 'WORKDIR', 'RUN'].includes(i.kind)).length;
  const counter: Counter = { done: 0, total: layerSteps + (shown === undefined ? 0 : 1), args: [] };
  if (shown !== undefined) reporter(run, state, counter, stage.from.range.startLine, shown)(false);
  for (const ins of instructions) {
    run.session.signal.throwIfAborted();
    await atInstruction(ins, () => runInstruction(run, state, counter, ins));
  }
  return state;
}
