/**
 * WORKDIR: sets the working directory (relative paths resolve against the current one) and, as
 * BuildKit does, creates it when missing, with its missing parents, owned by the stage's USER
 * (mode 0755). A directory that already exists makes no layer.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { stepKey } from '../cache/keys.ts';
import { emitCopy } from '../copy/emit.ts';
import { tarOf } from '../copy/tar-stream.ts';
import type { Instruction } from '../dockerfile/types.ts';
import { components } from '../path-components.ts';
import { resolveOwner } from '../rootfs/users.ts';
import type { PlatformRun } from '../session.ts';
import { expandWord } from '../stage/expand.ts';
import { type LayerStepResult, layerStep, storeEntries } from '../stage/layer-step.ts';
import type { StageState } from '../stage/state.ts';

/** The absolute working directory `requested` names from `current` (BuildKit's NormalizeWorkdir). */
export function normalizeWorkdir(current: string, requested: string): string {
  if (requested === '') throw new OciError(ErrorCode.INVALID_ARGUMENT, 'cannot normalize nothing');
  const joined = requested.startsWith('/') ? requested : `${current === '' ? '/' : current}/${requested}`;
  return `/${components(joined).join('/')}`;
}

/** Runs a WORKDIR; returns its history text and what the layer step did. */
export async function workdirStep(
  run: PlatformRun,
  state: StageState,
  ins: Extract<Instruction, { kind: 'WORKDIR' }>,
): Promise<{ text: string; result: LayerStepResult }> {
  const { session } = run;
  const wd = normalizeWorkdir(
    state.config.config?.WorkingDir ?? '',
    expandWord(session, state.env, ins.path),
  );
  state.config.config = { ...(state.config.config ?? {}), WorkingDir: wd };
  const text = `WORKDIR ${wd}`;
  const user = state.config.config.User ?? '';
  const key = stepKey([state.key, text, user]);
  state.key = key;
  if (wd === '/') return { text, result: { cached: false } };
  const result = await layerStep(run, state, key, async () => {
    const tree = await state.fs.tree({ signal: session.signal });
    const found = tree.resolve(wd, true);
    if (found.node !== undefined) {
      if (tree.dirAt(found.real) !== undefined) return {};
      throw new OciError(ErrorCode.INVALID_ARGUMENT, `mkdir ${wd}: not a directory`, { data: { path: wd } });
    }
    const owner =
      user === '' ? undefined : await resolveOwner(user, state.fs, { lenient: true, signal: session.signal });
    const nowNs = BigInt(session.time.seconds) * 1_000_000_000n;
    const entries = emitCopy([], {
      tree,
      layer: state.fs.layers.length,
      dest: `${wd}/`,
      ...(owner !== undefined ? { owner } : {}),
      nowNs,
    });
    const layer = await storeEntries(session, entries, (e) => tarOf(e, session.signal));
    return layer === undefined ? {} : { layer, tree };
  });
  return { text, result };
}
