/**
 * FROM: a stage starts from `scratch` (BuildKit's empty image: Env PATH, WorkingDir `/`), from an
 * earlier stage (its config, layers, filesystem and ARGs, but not its ONBUILD triggers, which
 * run instead), or from an image (its config without `created`; its ONBUILD triggers run first
 * and are not inherited). FROM names and `--platform` expand with the global ARGs only.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { formatPlatform, parsePlatform } from '../../platform/index.ts';
import type { ImageConfig, Platform } from '../../spec/index.ts';
import { stepKey } from '../cache/keys.ts';
import type { Instruction, Stage } from '../dockerfile/types.ts';
import { dockerfileError } from '../errors.ts';
import { StageFs } from '../rootfs/stage-fs.ts';
import type { PlatformRun } from '../session.ts';
import { imageLayers, openBaseImage } from './base-image.ts';
import { expandWord } from './expand.ts';
import { fromRef, stageName } from './graph.ts';
import { DEFAULT_PATH, envOf, type StageState, setConfigEnv } from './state.ts';

/** A started stage and the ONBUILD triggers to run before its own instructions. */
export interface StartedStage {
  readonly state: StageState;
  readonly triggers: readonly Exclude<Instruction, { kind: 'FROM' }>[];
  /** What progress shows for the FROM step (undefined for `scratch` and stages). */
  readonly shown?: string;
}

/** The image name a stage's FROM names, expanded with the global ARGs. */
export function expandFromName(run: PlatformRun, stage: Stage): string {
  const name = expandWord(run.session, run.globalArgs, stage.from.image);
  if (name === '') throw dockerfileError(stage.from, `base name (${stage.from.image}) should not be blank`);
  return name;
}

/** The platform a stage is built for: its FROM `--platform`, else the build's target. */
function stagePlatform(run: PlatformRun, stage: Stage): { platform: Platform; explicit: boolean } {
  if (stage.from.platform === undefined) return { platform: run.target, explicit: !run.implicit };
  const text = expandWord(run.session, run.globalArgs, stage.from.platform);
  if (text === '')
    throw dockerfileError(stage.from, `empty platform value from expression ${stage.from.platform}`);
  try {
    return { platform: parsePlatform(text), explicit: true };
  } catch (err) {
    throw dockerfileError(
      stage.from,
      `failed to parse platform ${text}: ${(err as Error).message}`,
      ErrorCode.INVALID_ARGUMENT,
      err,
    );
  }
}

/** An empty image config for a platform, as BuildKit's `scratch`. */
function scratchConfig(platform: Platform): ImageConfig {
  const config: ImageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    rootfs: { type: 'layers', diff_ids: [] },
  };
  if (platform.variant !== undefined) config.variant = platform.variant;
  if (platform['os.version'] !== undefined) config['os.version'] = platform['os.version'];
  config.config = { Env: [`PATH=${DEFAULT_PATH}`], WorkingDir: '/' };
  return config;
}

/** Parses ONBUILD trigger texts into instructions placed at the stage's FROM line. */
function parseTriggers(
  run: PlatformRun,
  stage: Stage,
  triggers: readonly string[],
): StartedStage['triggers'] {
  const out: Exclude<Instruction, { kind: 'FROM' }>[] = [];
  for (const trigger of triggers) {
    let instructions: Exclude<Instruction, { kind: 'FROM' }>[];
    try {
      instructions = run.session.parseTrigger(trigger);
    } catch (err) {
      const reason = (err as OciError).data?.reason ?? (err as Error).message;
      throw dockerfileError(
        stage.from,
        `invalid ONBUILD trigger ${JSON.stringify(trigger)}: ${reason}`,
        ErrorCode.INVALID_ARGUMENT,
        err,
      );
    }
    if (instructions.length !== 1)
      throw dockerfileError(stage.from, 'onbuild trigger should be a single expression');
    const [only] = instructions as [Exclude<Instruction, { kind: 'FROM' }>];
    if (only.kind === 'ONBUILD')
      throw dockerfileError(stage.from, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    out.push({ ...only, range: stage.from.range });
  }
  return out;
}

/** Runs a stage's FROM: the state the stage's instructions start from. */
export async function startStage(run: PlatformRun, stage: Stage): Promise<StartedStage> {
  const { session } = run;
  const name = expandFromName(run, stage);
  const ref = fromRef(session.dockerfile, stage.index, name);
  const display = stageName(stage);
  if (ref.kind === 'stage') {
    const base = await run.stage(ref.index);
    const config = structuredClone(base.config);
    if (config.config) delete config.config.OnBuild;
    const own = (session.dockerfile.stages[ref.index] as Stage).instructions.flatMap((i) =>
      i.kind === 'ONBUILD' ? [i.expression] : [],
    );
    const state: StageState = {
      name: display,
      index: stage.index,
      platform: base.platform,
      config,
      fs: base.fs.fork(),
      env: new Map(base.env),
      key: base.key,
      ...(base.base !== undefined ? { base: base.base } : {}),
      cmdSet: false,
    };
    return { state, triggers: parseTriggers(run, stage, own) };
  }
  const { platform, explicit } = stagePlatform(run, stage);
  const timeKey = String(session.time.setting);
  if (name.toLowerCase() === 'scratch') {
    const config = scratchConfig(platform);
    const state: StageState = {
      name: display,
      index: stage.index,
      platform,
      config,
      fs: new StageFs(),
      env: envOf(config),
      key: stepKey(['FROM scratch', formatPlatform(platform), timeKey]),
      cmdSet: false,
    };
    return { state, triggers: [] };
  }
  let opened: Awaited<ReturnType<typeof openBaseImage>>;
  try {
    opened = await openBaseImage(session, name, platform, explicit);
  } catch (err) {
    if (err instanceof OciError) throw dockerfileError(stage.from, `${name}: ${err.message}`, err.code, err);
    throw err;
  }
  const base = structuredClone((await opened.image.config({ signal: session.signal })).value);
  const config: ImageConfig = {
    architecture: base.architecture,
    os: base.os,
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids] },
  };
  for (const key of ['author', 'variant', 'os.version', 'os.features', 'config', 'history'] as const) {
    if (base[key] !== undefined && base[key] !== null) (config as Record<string, unknown>)[key] = base[key];
  }
  const triggers = config.config?.OnBuild ?? [];
  if (config.config) delete config.config.OnBuild;
  if (!(config.config?.Env ?? []).some((e) => e.startsWith('PATH=')))
    setConfigEnv(config, 'PATH', DEFAULT_PATH);
  const state: StageState = {
    name: display,
    index: stage.index,
    platform: {
      architecture: config.architecture,
      os: config.os,
      ...(config.variant ? { variant: config.variant } : {}),
    },
    config,
    fs: new StageFs(await imageLayers(opened, session)),
    env: envOf(config),
    key: stepKey(['FROM', opened.digest, formatPlatform(platform), timeKey]),
    base: opened,
    cmdSet: false,
  };
  return {
    state,
    triggers: parseTriggers(run, stage, triggers ?? []),
    shown: `FROM ${opened.name}@${opened.digest}`,
  };
}
