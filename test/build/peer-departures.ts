/**
 * Corrections of buildah 1.28's results where it departs from BuildKit, each written from
 * BuildKit's documented behaviour (the Dockerfile reference and its frontend), so a case compares
 * ocikit with what BuildKit gives rather than with what buildah happens to do.
 */
import { byPath, type ListingEntry, type Normalised } from './peer-normalise.ts';

/** A copy of `result` (cases change it freely). */
function clone(result: Normalised): Normalised {
  return structuredClone(result);
}

/**
 * BuildKit's WORKDIR creates the directory (and its missing parents, mode 0755, owned by the
 * stage's USER) in a layer of its own, "even if it's not used in any subsequent Dockerfile
 * instruction" (Dockerfile reference, WORKDIR); buildah 1.28 records WORKDIR as an empty layer
 * and creates nothing. `created` lists, per WORKDIR entry of this build that creates
 * directories, the paths it creates (relative, no leading slash).
 */
export function workdirCreates(created: ReadonlyArray<readonly string[]>, owner = '0:0') {
  return (buildah: Normalised, baseHistory: number): Normalised => {
    const out = clone(buildah);
    let next = 0;
    for (const [i, h] of out.history.entries()) {
      if (i < baseHistory || h.instruction !== 'WORKDIR' || next >= created.length) continue;
      const paths = created[next++] ?? [];
      if (paths.length === 0) continue;
      h.empty_layer = false;
      out.layers += 1;
      for (const path of paths) {
        if (out.files.some((e) => e.path === path)) continue;
        out.files.push({ path, type: 'directory', mode: '0755', owner } satisfies ListingEntry);
      }
    }
    out.files.sort(byPath);
    return out;
  };
}

/**
 * BuildKit writes no history entry for ONBUILD (the trigger is only stored in the config's
 * OnBuild list); buildah 1.28 writes an empty-layer entry.
 */
export function noOnbuildHistory(buildah: Normalised): Normalised {
  const out = clone(buildah);
  out.history = out.history.filter((h) => h.instruction !== 'ONBUILD');
  return out;
}

/**
 * BuildKit gives an image built `FROM scratch` the working directory `/` (its empty image
 * config); buildah 1.28 leaves it unset.
 */
export function scratchWorkdir(buildah: Normalised): Normalised {
  const out = clone(buildah);
  out.config.WorkingDir ??= '/';
  return out;
}

/** Applies several corrections in order. */
export function corrections(
  ...fixes: ReadonlyArray<(buildah: Normalised, baseHistory: number) => Normalised>
): (buildah: Normalised, baseHistory: number) => Normalised {
  return (buildah, baseHistory) => fixes.reduce((r, fix) => fix(r, baseHistory), buildah);
}

/** Replaces config fields of buildah's result with BuildKit's (hand-written in the case). */
export function configIs(fields: Partial<Normalised['config']>) {
  return (buildah: Normalised): Normalised => {
    const out = clone(buildah);
    Object.assign(out.config, fields);
    return out;
  };
}

/** Replaces attributes of paths in buildah's result with BuildKit's (hand-written in the case). */
export function filesAre(changes: Readonly<Record<string, Partial<ListingEntry>>>) {
  return (buildah: Normalised): Normalised => {
    const out = clone(buildah);
    for (const [path, attrs] of Object.entries(changes)) {
      const entry = out.files.find((e) => e.path === path);
      if (entry === undefined) throw new Error(`the correction names ${path}, which buildah's image lacks`);
      Object.assign(entry, attrs);
    }
    return out;
  };
}

/**
 * Drops the last `count` history entries, which must be `instruction` ones: BuildKit applies
 * `--label` values to the result without a history entry; buildah 1.28 writes a LABEL entry each.
 */
export function withoutTrailingHistory(instruction: string, count: number) {
  return (buildah: Normalised): Normalised => {
    const out = clone(buildah);
    const dropped = out.history.splice(out.history.length - count, count);
    if (dropped.some((h) => h.instruction !== instruction)) {
      throw new Error(
        `the correction expects ${count} trailing ${instruction} entries: ${JSON.stringify(dropped)}`,
      );
    }
    return out;
  };
}
