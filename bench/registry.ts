/**
 * Push and pull of a multi-layer image (about 40 MB) to and from a loopback Distribution
 * registry, cold (nothing present) and warm (everything present): `ocikit copy` against
 * `skopeo copy`, each against its own fresh registry so neither warms the other's cache.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type RunningRegistry, startRegistry } from '../test/helpers/registry.ts';
import { BENCH_DIR, type Row, timeShell } from './lib.ts';
import { writeTree } from './trees.ts';

const OCIKIT = `${process.execPath} ${join(import.meta.dirname, '../bin/ocikit.js')}`;
const RUNS = 3;

interface Timings {
  pushCold: number;
  pushWarm: number;
  pullCold: number;
  pullWarm: number;
}

async function measure(
  push: (registry: RunningRegistry) => string,
  pull: (registry: RunningRegistry, dest: string) => string,
  label: string,
): Promise<Timings> {
  const best: Timings = { pushCold: Infinity, pushWarm: Infinity, pullCold: Infinity, pullWarm: Infinity };
  for (let i = 0; i < RUNS; i++) {
    const registry = await startRegistry();
    try {
      best.pushCold = Math.min(best.pushCold, timeShell(push(registry)));
      best.pushWarm = Math.min(best.pushWarm, timeShell(push(registry)));
      const dest = join(BENCH_DIR, `pull-${label}-${i}`);
      best.pullCold = Math.min(best.pullCold, timeShell(pull(registry, dest)));
      best.pullWarm = Math.min(best.pullWarm, timeShell(pull(registry, dest)));
      await rm(dest, { recursive: true, force: true });
    } finally {
      await registry.stop();
    }
  }
  return best;
}

/** Builds the image once, then times both tools on all four cases. */
export async function benchRegistry(): Promise<Row[]> {
  const work = join(BENCH_DIR, 'registry');
  const dirs: string[] = [];
  for (let i = 0; i < 4; i++) {
    const dir = join(work, `layer${i}`);
    await writeTree(dir, { seed: 100 + i, files: 300, maxSize: 256 << 10, binaryShare: 0.5 });
    dirs.push(dir);
  }
  const layout = join(work, 'layout');
  timeShell(`${OCIKIT} append scratch ${dirs.join(' ')} -t oci:${layout}:img`);
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
  const row = (operation: string, key: keyof Timings): Row => ({
    operation,
    ocikit: ocikit[key],
    peer: 'skopeo copy',
    peerTime: skopeo[key],
    target: '< 1x',
  });
  return [
    row('push 4 layers (~40 MB), cold', 'pushCold'),
    row('push 4 layers (~40 MB), warm', 'pushWarm'),
    row('pull 4 layers (~40 MB), cold', 'pullCold'),
    row('pull 4 layers (~40 MB), warm', 'pullWarm'),
  ];
}
