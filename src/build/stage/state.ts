/**
 * The state of a stage while its instructions run: the image config being written (history,
 * DiffIDs and execution defaults), the layers and the filesystem they make, the expansion
 * environment (the config's Env plus the ARGs in scope), and the chain of cache keys.
 */
import type { History, ImageConfig, Platform } from '../../spec/index.ts';
import type { StageFs } from '../rootfs/stage-fs.ts';
import type { OpenedImage } from '../session.ts';

/** A stage being built, or built. */
export interface StageState {
  /** `stage-N` or the `AS` name, for progress and messages. */
  readonly name: string;
  readonly index: number;
  readonly platform: Platform;
  config: ImageConfig;
  readonly fs: StageFs;
  /** The variables instructions expand with (config Env and ARG values, in the order set). */
  readonly env: Map<string, string>;
  /** The cache key of everything so far. */
  key: string;
  /** The image at the bottom of the stage's FROM chain, when it is not `scratch`. */
  readonly base?: OpenedImage;
  /** True once a CMD ran in this stage (an ENTRYPOINT then keeps it). */
  cmdSet: boolean;
}

/** The default PATH BuildKit puts in a stage's Env when its base has none (Linux). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Appends a history entry (config.md "history"), created at the build time. */
export function addHistory(state: StageState, createdBy: string, emptyLayer: boolean, created: string): void {
  const entry: History = { created, created_by: createdBy };
  if (emptyLayer) entry.empty_layer = true;
  state.config.history = [...(state.config.history ?? []), entry];
}

/** Sets `KEY=value` in the config's Env, replacing the first entry of that key in place (BuildKit's addEnv). */
export function setConfigEnv(config: ImageConfig, key: string, value: string): void {
  const container = config.config ?? {};
  const env = [...(container.Env ?? [])];
  const at = env.findIndex((e) => (e.includes('=') ? e.slice(0, e.indexOf('=')) : e) === key);
  if (at === -1) env.push(`${key}=${value}`);
  else env[at] = `${key}=${value}`;
  config.config = { ...container, Env: env };
}

/** The variables of a config's Env, in order. */
export function envOf(config: ImageConfig): Map<string, string> {
  const env = new Map<string, string>();
  for (const entry of config.config?.Env ?? []) {
    const at = entry.indexOf('=');
    if (at === -1) env.set(entry, '');
    else env.set(entry.slice(0, at), entry.slice(at + 1));
  }
  return env;
}
