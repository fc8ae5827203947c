/**
 * Push and pull of a multi-layer image (about 50 MB, 4 gzip layers) to and from a loopback Distribution
 * registry, cold (nothing present) and warm (everything present): `ocikit copy` against
 * `skopeo copy`, each against its own fresh registry so neither warms the other's cache.
 * Library rows time `copyImage` in this process (no process start or module loading) against
 * the same skopeo figures, to show how much of the CLI's time is the copy itself.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { copyImage } from '../src/copy/index.ts';
import type { ImageSink, ImageSource } from '../src/image/types.ts';
import { layoutSink, layoutSource } from '../src/transports/layout/index.ts';
import { registrySink, registrySource } from '../src/transports/registry/index.ts';
import { type RunningRegistry, startRegistry } from '../test/helpers/registry.ts';
import { BENCH_DIR, best, OCIKIT, type Row, timeAsync, timeShell } from './lib.ts';
import { writeBenchImage } from './trees.ts';

const RUNS = 3;

interface Timings {
  pushCold: number;
  pushWarm: number;
  pullCold: number;
  pullWarm: number;
}

async function measure(
  push: (registry: RunningRegistry) => string | Promise<number>,
  pull: (registry: RunningRegistry, dest: string) => string | Promise<number>,
  label: string,
): Promise<Timings> {
  const time = async (run: string | Promise<number>): Promise<number> =>
    typeof run === 'string' ? timeShell(run) : run;
  const best: Timings = { pushCold: Infinity, pushWarm: Infinity, pullCold: Infinity, pullWarm: Infinity };
  for (let i = 0; i < RUNS; i++) {
    const registry = await startRegistry();
    try {
      best.pushCold = Math.min(best.pushCold, await time(push(registry)));
      best.pushWarm = Math.min(best.pushWarm, await time(push(registry)));
      const dest = join(BENCH_DIR, `pull-${label}-${i}`);
      best.pullCold = Math.min(best.pullCold, await time(pull(registry, dest)));
      best.pullWarm = Math.min(best.pullWarm, await time(pull(registry, dest)));
      await rm(dest, { recursive: true, force: true });
    } finally {
      await registry.stop();
    }
  }
  return best;
}

/** Times one in-process `copyImage` from a freshly opened source to a freshly opened sink. */
function timeLibraryCopy(open: () => Promise<[ImageSource, ImageSink]>): Promise<number> {
  return timeAsync(async () => {
    const [source, sink] = await open();
    try {
      await copyImage(source, sink);
    } finally {
      await source.close();
      await sink.close();
    }
  });
}

/** Builds the image once, then times both tools on all four cases. */
export async function benchRegistry(): Promise<Row[]> {
  const work = join(BENCH_DIR, 'registry');
  const { layout, megabytes } = await writeBenchImage(work);
  const ocikit = await measure(
    (r) => `${OCIKIT} copy -q oci:${layout}:img ${r.host}/bench/img:1`,
    (r, dest) => `${OCIKIT} copy -q ${r.host}/bench/img:1 oci:${dest}:img`,
    'ocikit',
  );
  const skopeo = await measure(
    (r) => `skopeo copy -q --dest-tls-verify=false oci:${layout}:img docker://${r.host}/bench/img:1`,
    (r, dest) =>
      `mkdir -p ${dest} && skopeo copy -q --src-tls-verify=false docker://${r.host}/bench/img:1 oci:${dest}:img`,
    'skopeo',
  );
  const library = await measure(
    (r) =>
      timeLibraryCopy(async () => [
        layoutSource(`${layout}:img`),
        await registrySink(`${r.host}/bench/img:1`),
      ]),
    (r, dest) =>
      timeLibraryCopy(async () => [await registrySource(`${r.host}/bench/img:1`), layoutSink(`${dest}:img`)]),
    'library',
  );
  const nodeStart = await best(5, () => timeShell(`${process.execPath} -e 0`));
  const row = (operation: string, key: keyof Timings, times = ocikit, target = '< 1x'): Row => ({
    operation,
    ocikit: times[key],
    peer: 'skopeo copy',
    peerTime: skopeo[key],
    target,
  });
  return [
    row(`push 4 layers (${megabytes} MB), cold`, 'pushCold'),
    row(`push 4 layers (${megabytes} MB), warm`, 'pushWarm'),
    row(`pull 4 layers (${megabytes} MB), cold`, 'pullCold'),
    row(`pull 4 layers (${megabytes} MB), warm`, 'pullWarm'),
    row('library copyImage push, cold (in-process)', 'pushCold', library, 'info'),
    row('library copyImage push, warm (in-process)', 'pushWarm', library, 'info'),
    row('library copyImage pull, cold (in-process)', 'pullCold', library, 'info'),
    row('library copyImage pull, warm (in-process)', 'pullWarm', library, 'info'),
    {
      // The floor under every CLI row: a Node process that loads nothing, against skopeo's whole
      // warm pull. No Node command can finish faster than this line's left column.
      operation: 'node -e 0 (process start, floor)',
      ocikit: nodeStart,
      peer: 'skopeo copy, pull warm',
      peerTime: skopeo.pullWarm,
      target: 'info',
    },
  ];
}
