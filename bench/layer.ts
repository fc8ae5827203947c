/**
 * A gzip layer from a directory tree: ocikit (in process, two threads, its default level) against
 * `tar -c | gzip -6` and `tar -c | pigz -p 2`, same tmpfs. Rounds interleave the three so a burst
 * of load elsewhere on the machine hits them alike; the best time of each counts. The output
 * sizes are printed too: a faster gzip only counts if its output stays close to pigz's.
 */

import { spawnSync } from 'node:child_process';
import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { compressAndDigest, DEFAULT_GZIP_LEVEL } from '../src/compress/index.ts';
import { createLayer } from '../src/tar/index.ts';
import { BENCH_DIR, type Row, timeAsync } from './lib.ts';
import { writeTree } from './trees.ts';

const ROUNDS = 3;

/** A run's wall time and the CPU time (user + system, every thread and child) it took, in seconds. */
interface Timing {
  wall: number;
  cpu: number;
}

/**
 * Runs a shell pipeline, timing it; bash's `times` gives its children's CPU. When any stage of the
 * pipeline fails (pipefail), the script ends with its status: a `tar` that stops part way is an
 * error, not a short run timed as a fast one.
 */
function timeShellCpu(command: string): Timing {
  const start = process.hrtime.bigint();
  const script = `set -o pipefail\n${command} || exit $?\ntimes`;
  const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`benchmark command failed: ${command}\n${result.stderr}`);
  // The second line of `times` is the children's user and system time: `0m8.490s 0m0.510s`.
  const children = result.stdout.trim().split('\n').at(-1) ?? '';
  let cpu = 0;
  for (const [, min, sec] of children.matchAll(/(\d+)m([\d.]+)s/g)) cpu += Number(min) * 60 + Number(sec);
  return { wall, cpu };
}

/** Runs an in-process job, timing it; process.cpuUsage counts the worker threads too. */
async function timeInProcess(fn: () => Promise<unknown>): Promise<Timing> {
  const cpu0 = process.cpuUsage();
  const wall = await timeAsync(fn);
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

/** Times building one gzip layer from a ~250 MB tree with each tool. */
export async function benchLayer(): Promise<Row[]> {
  const tree = join(BENCH_DIR, 'layer-tree');
  await writeTree(tree, { seed: 7, files: 6000, maxSize: 160 << 10 });
  const out = join(BENCH_DIR, 'layer.tar.gz');
  const tools: Record<'ocikit' | 'gzip' | 'pigz', () => Promise<Timing> | Timing> = {
    ocikit: () =>
      timeInProcess(async () => {
        const { output, result } = compressAndDigest(createLayer(tree, {}), 'gzip', { threads: 2 });
        await pipeline(output, createWriteStream(out));
        await result;
      }),
    gzip: () => timeShellCpu(`tar -C ${tree} -c . | gzip -6 > ${out}`),
    pigz: () => timeShellCpu(`tar -C ${tree} -c . | pigz -p 2 > ${out}`),
  };
  const times = {
    ocikit: Number.POSITIVE_INFINITY,
    gzip: Number.POSITIVE_INFINITY,
    pigz: Number.POSITIVE_INFINITY,
  };
  const cpus = { ...times };
  const sizes = { ocikit: 0, gzip: 0, pigz: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ['ocikit', 'gzip', 'pigz'] as const) {
      const { wall, cpu } = await tools[name]();
      times[name] = Math.min(times[name], wall);
      cpus[name] = Math.min(cpus[name], cpu);
      sizes[name] = statSync(out).size;
    }
  }
  const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(2)} MB`;
  console.error(
    `gzip layer output: ocikit (level ${DEFAULT_GZIP_LEVEL}) ${mb(sizes.ocikit)}, gzip -6 ${mb(sizes.gzip)}, ` +
      `pigz -6 ${mb(sizes.pigz)} (ocikit/pigz size ${(sizes.ocikit / sizes.pigz).toFixed(3)})`,
  );
  console.error(
    `gzip layer CPU (user+sys, best): ocikit ${cpus.ocikit.toFixed(2)} s, gzip -6 ${cpus.gzip.toFixed(2)} s, ` +
      `pigz -p 2 ${cpus.pigz.toFixed(2)} s (ocikit/pigz CPU ${(cpus.ocikit / cpus.pigz).toFixed(2)})`,
  );
  return [
    {
      operation: `gzip layer from a tree (6000 files), level ${DEFAULT_GZIP_LEVEL}`,
      ocikit: times.ocikit,
      peer: 'tar -c | gzip -6',
      peerTime: times.gzip,
      target: '<= 0.8x',
    },
    {
      operation: `gzip layer from a tree (6000 files), level ${DEFAULT_GZIP_LEVEL}`,
      ocikit: times.ocikit,
      peer: 'tar -c | pigz -p 2',
      peerTime: times.pigz,
      target: '<= 1.0x',
    },
  ];
}
