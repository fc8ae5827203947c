/**
 * ARG scoping as BuildKit defines it: the automatic platform ARGs and the ARGs before the first
 * FROM form the global scope, usable in FROM lines only; a stage sees an ARG only after declaring
 * it, taking (in this order) the `--build-arg` value, its own default, or the global value.
 * Declared values join the stage's expansion environment but never the image's Env.
 */
import { formatPlatform, formatPlatformAll } from '../../platform/index.ts';
import type { Platform } from '../../spec/index.ts';
import type { Instruction } from '../dockerfile/types.ts';
import type { BuildSession } from '../session.ts';
import { expandWord } from './expand.ts';

/** Build arguments Docker predefines: never reported as unused. */
const PREDEFINED = new Set([
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'FTP_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'ftp_proxy',
  'no_proxy',
  'all_proxy',
  'SOURCE_DATE_EPOCH',
]);

/** The automatic platform ARGs (BuildKit's defaultArgs), each overridable by a build arg. */
export function platformArgs(
  build: Platform,
  target: Platform,
  targetStage: string,
  buildArgs: ReadonlyMap<string, string>,
): Map<string, string> {
  const values: [string, string][] = [
    ['BUILDPLATFORM', formatPlatform(build)],
    ['BUILDOS', build.os],
    ['BUILDOSVERSION', build['os.version'] ?? ''],
    ['BUILDARCH', build.architecture],
    ['BUILDVARIANT', build.variant ?? ''],
    ['TARGETPLATFORM', formatPlatformAll(target)],
    ['TARGETOS', target.os],
    ['TARGETOSVERSION', target['os.version'] ?? ''],
    ['TARGETARCH', target.architecture],
    ['TARGETVARIANT', target.variant ?? ''],
    ['TARGETSTAGE', targetStage === '' ? 'default' : targetStage],
  ];
  return new Map(values.map(([k, v]) => [k, buildArgs.get(k) ?? v]));
}

/** The names whose build args count as used without an ARG (automatic and predefined ones). */
export function isImplicitArg(name: string): boolean {
  return PREDEFINED.has(name) || /^(BUILD|TARGET)(PLATFORM|OS|OSVERSION|ARCH|VARIANT|STAGE)$/.test(name);
}

/** The global scope: platform ARGs, then the ARGs before the first FROM in order. */
export function globalScope(
  session: BuildSession,
  declarations: readonly Extract<Instruction, { kind: 'ARG' }>[],
  platform: Map<string, string>,
): Map<string, string> {
  const scope = new Map(platform);
  for (const instruction of declarations) {
    for (const arg of instruction.args) {
      session.usedArgs.add(arg.name);
      const given = session.buildArgs.get(arg.name);
      if (given !== undefined) scope.set(arg.name, given);
      else if (arg.defaultValue !== undefined)
        scope.set(arg.name, expandWord(session, scope, arg.defaultValue));
    }
  }
  return scope;
}

/**
 * Declares a stage's ARGs: sets their values in `env` and returns the history text
 * (`ARG NAME=value OTHER`).
 */
export function declareArgs(
  session: BuildSession,
  env: Map<string, string>,
  globals: ReadonlyMap<string, string>,
  instruction: Extract<Instruction, { kind: 'ARG' }>,
): string {
  const shown: string[] = [];
  for (const arg of instruction.args) {
    session.usedArgs.add(arg.name);
    let value = session.buildArgs.get(arg.name);
    if (value === undefined && arg.defaultValue !== undefined)
      value = expandWord(session, env, arg.defaultValue);
    if (value === undefined) value = globals.get(arg.name);
    if (value !== undefined) {
      env.delete(arg.name);
      env.set(arg.name, value);
    }
    shown.push(value === undefined ? arg.name : `${arg.name}=${value}`);
  }
  return `ARG ${shown.join(' ')}`;
}

/** Build args no ARG of the built stages declared (Docker's "were not consumed" warning). */
export function unusedArgs(session: BuildSession): string[] {
  return [...session.buildArgs.keys()].filter((k) => !session.usedArgs.has(k) && !isImplicitArg(k)).sort();
}
