/**
 * RUN: the command run by runc on the stage's layers (src/build/run) as BuildKit's Dockerfile
 * frontend runs it: with the config's Env plus the ARGs in scope (and the proxy build args), USER, WORKDIR, SHELL, heredocs,
 * `--network` and `--mount=type=bind|tmpfs|cache|secret`; its output streamed to the build's progress; its
 * changes stored as a layer through the cache. The key is the parent's key, the argv after SHELL
 * and heredocs, the environment, user, working directory, network and the mounts' identities.
 * History is BuildKit's: `RUN |N A=1 … /bin/sh -c … # buildkit`, the ARGs of the stage first.
 */
import { join } from 'node:path';
import { hostPlatform } from '../../platform/index.ts';
import { stepKey } from '../cache/keys.ts';
import type { Instruction } from '../dockerfile/types.ts';
import type { LayerRef } from '../layers.ts';
import { checkEmulation } from '../run/emulation.ts';
import { runStep, stepCommand } from '../run/index.ts';
import type { PlatformRun } from '../session.ts';
import { expandWord } from '../stage/expand.ts';
import { type LayerStepResult, layerStep } from '../stage/layer-step.ts';
import type { StageState } from '../stage/state.ts';
import { parseRunFlags } from './run-flags.ts';
import { type PreparedMount, resolveMounts } from './run-mounts.ts';

type RunInstruction = Extract<Instruction, { kind: 'RUN' }>;

/**
 * The proxy build args every RUN gets without an ARG (Dockerfile reference, "Predefined ARGs"),
 * left out of history and of the cache key, as BuildKit's proxy environment is.
 */
const PROXY_ARGS = ['HTTP_PROXY', 'HTTPS_PROXY', 'FTP_PROXY', 'NO_PROXY', 'ALL_PROXY'].flatMap((name) => [
  name,
  name.toLowerCase(),
]);

/** `KEY=value` for the proxy build args given and not already in the step's environment. */
function proxyEnv(buildArgs: ReadonlyMap<string, string>, env: ReadonlyMap<string, string>): string[] {
  return PROXY_ARGS.flatMap((name) => {
    const value = buildArgs.get(name);
    return value === undefined || env.has(name) ? [] : [`${name}=${value}`];
  });
}

/** Where a step's output goes: one call per complete line, per stream. */
export type OutputSink = (line: string, stream: 'stdout' | 'stderr') => void;

/**
 * BuildKit's history text of a RUN (its runCommandString): the stage's declared ARGs as
 * `|N K=V …` (each valued from the environment, else its own value, else empty), then the argv.
 */
export function runHistoryText(
  argv: readonly string[],
  declared: readonly string[],
  env: ReadonlyMap<string, string>,
): string {
  const args = [...new Set(declared)].map((name) => `${name}=${env.get(name) ?? ''}`);
  const prefix = args.length > 0 ? [`|${args.length}`, ...args] : [];
  return `RUN ${[...prefix, ...argv].join(' ')} # buildkit`;
}

/** Splits chunks of each stream into lines (a last line without newline is given by `flush`). */
function lineSplitter(sink: OutputSink) {
  const pending = { stdout: '', stderr: '' };
  return {
    push(chunk: Buffer, stream: 'stdout' | 'stderr'): void {
      const lines = (pending[stream] + chunk.toString('utf8')).split('\n');
      pending[stream] = lines.pop() as string;
      for (const line of lines) sink(line.replace(/\r$/, ''), stream);
    },
    flush(): void {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (pending[stream] !== '') sink(pending[stream], stream);
        pending[stream] = '';
      }
    },
  };
}

/**
 * Runs a RUN instruction of `state` (`declared`: the ARG names the stage declared so far);
 * returns its history text and what the layer step did. The step's output lines go to `output`.
 */
export async function runInstructionStep(
  run: PlatformRun,
  state: StageState,
  ins: RunInstruction,
  declared: readonly string[],
  output: OutputSink,
): Promise<{ text: string; result: LayerStepResult }> {
  const { session } = run;
  const container = state.config.config ?? {};
  const workdir =
    container.WorkingDir !== undefined && container.WorkingDir !== '' ? container.WorkingDir : '/';
  const flags = parseRunFlags(ins.flags, workdir, (w) => expandWord(session, state.env, w));
  const shell = container.Shell !== undefined && container.Shell.length > 0 ? container.Shell : undefined;
  const { argv } = stepCommand(ins.command, ins.heredocs, shell);
  const env = [...state.env].map(([k, v]) => `${k}=${v}`);
  const user = container.User ?? '';
  const network = flags.network ?? session.network ?? 'host';
  const mounts = await resolveMounts(run, state, ins, flags.mounts);
  const text = runHistoryText(argv, declared, state.env);
  const key = stepKey([
    state.key,
    'RUN',
    argv,
    ins.heredocs,
    env,
    user,
    workdir,
    network,
    mounts.map((m) => m.identity),
  ]);
  state.key = key;
  const result = await layerStep(run, state, key, async () => {
    checkEmulation(state.platform, { os: 'linux', architecture: hostPlatform().architecture });
    const lines = lineSplitter(output);
    const prepared: PreparedMount[] = [];
    try {
      for (const mount of mounts) {
        const ready = await mount.prepare();
        if (ready !== undefined) prepared.push(ready);
      }
      const done = await runStep<LayerRef>({
        layers: state.fs.layers,
        cacheRoot: join(session.cache.dir, 'run'),
        command: ins.command,
        heredocs: ins.heredocs,
        ...(shell !== undefined ? { shell } : {}),
        env: [...env, ...proxyEnv(session.buildArgs, state.env)],
        ...(user !== '' ? { user } : {}),
        workdir,
        network,
        mounts: prepared.map((m) => m.mount),
        place: { file: ins.range.file, line: ins.range.startLine },
        onOutput: (chunk, stream) => lines.push(chunk, stream),
        onWarning: (message) => session.warn(message, ins.range.startLine),
        timestamp: session.time.seconds,
        writeLayer: (tar, io) => session.cache.storeLayer(tar, io),
        signal: session.signal,
      });
      return done.layer === undefined ? {} : { layer: done.layer };
    } finally {
      lines.flush();
      for (const mount of prepared) await mount.release();
    }
  });
  return { text, result };
}
