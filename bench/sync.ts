/**
 * `sync` of 20 images (4 gzip layers each: a base all share, then three of their own) from one
 * loopback Distribution registry to another, listed in one YAML file: `ocikit sync` against
 * `skopeo sync` with the same file, each into a fresh destination registry (cold), then run again
 * on what it wrote (warm: nothing changed, nothing to copy). The tools take turns, round by round,
 * and each figure is the best of its rounds.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRegistry } from '../test/helpers/registry.ts';
import { BENCH_DIR, OCIKIT, type Row, timeShell } from './lib.ts';
import { writeTree } from './trees.ts';

const IMAGES = 20;
/** Rounds per tool; the tools alternate round by round, so a noisy moment hits both alike. */
const RUNS = 5;

/**
 * Runs a shell command and returns its wall time in seconds, keeping this process's event loop
 * free meanwhile: the registries' stderr pipes are drained by it, and a registry that logs much
 * (one line per request the sync makes) would block on a full pipe under a synchronous wait.
 */
function timeCommand(command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('bash', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 10_000) stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code === 0) resolve(seconds);
      else reject(new Error(`benchmark command failed: ${command}\n${stderr}`));
    });
  });
}

/** Cold and warm times of `command(destinationHost)` into a new registry: one round. */
async function round(command: (host: string) => string): Promise<{ cold: number; warm: number }> {
  const destination = await startRegistry();
  try {
    const cold = await timeCommand(command(destination.host));
    const warm = await timeCommand(command(destination.host));
    return { cold, warm };
  } finally {
    await destination.stop();
  }
}

/**
 * The best cold and warm times of each command over {@link RUNS} rounds, the commands taking
 * turns (the first goes first in even rounds, second in odd ones).
 */
async function measure(
  commands: Array<(host: string) => string>,
): Promise<Array<{ cold: number; warm: number }>> {
  const best = commands.map(() => ({ cold: Number.POSITIVE_INFINITY, warm: Number.POSITIVE_INFINITY }));
  for (let i = 0; i < RUNS; i++) {
    const order = commands.map((_, at) => at);
    if (i % 2 === 1) order.reverse();
    for (const at of order) {
      const times = await round(commands[at] as (host: string) => string);
      const kept = best[at] as { cold: number; warm: number };
      kept.cold = Math.min(kept.cold, times.cold);
      kept.warm = Math.min(kept.warm, times.warm);
    }
  }
  return best;
}

/** Builds the images into a source registry, then times both tools. */
export async function benchSync(): Promise<Row[]> {
  const work = join(BENCH_DIR, 'sync');
  const base = join(work, 'base');
  await writeTree(base, { seed: 500, files: 200, maxSize: 64 << 10, binaryShare: 0.5 });
  const layout = join(work, 'layout');
  timeShell(`${OCIKIT} append scratch ${base} -t oci:${layout}:base`);
  const source = await startRegistry();
  try {
    const names: string[] = [];
    for (let i = 0; i < IMAGES; i++) {
      const own: string[] = [];
      for (let j = 0; j < 3; j++) {
        const dir = join(work, `img${i}-layer${j}`);
        await writeTree(dir, { seed: 1000 + i * 10 + j, files: 40, maxSize: 64 << 10, binaryShare: 0.5 });
        own.push(dir);
      }
      const name = `bench/img${String(i).padStart(2, '0')}`;
      timeShell(`${OCIKIT} append oci:${layout}:base ${own.join(' ')} -t oci:${layout}:img${i}`);
      await timeCommand(`${OCIKIT} copy -q oci:${layout}:img${i} ${source.host}/${name}:1`);
      names.push(name);
    }
    const yaml = join(work, 'sync.yaml');
    await writeFile(
      yaml,
      `${source.host}:\n  tls-verify: false\n  images:\n${names.map((n) => `    ${n}: []\n`).join('')}`,
    );
    const [ocikit, skopeo] = (await measure([
      (host) => `${OCIKIT} sync -q --src yaml ${yaml} ${host}/mirror`,
      (host) => `skopeo sync --src yaml --dest docker --dest-tls-verify=false ${yaml} ${host}/mirror`,
    ])) as [{ cold: number; warm: number }, { cold: number; warm: number }];
    return [
      {
        operation: `sync ${IMAGES} images x 4 layers, cold`,
        ocikit: ocikit.cold,
        peer: 'skopeo sync',
        peerTime: skopeo.cold,
        target: '<= 0.7x',
      },
      {
        // Nothing to copy: mostly process start and one manifest check per image on each side.
        operation: `sync ${IMAGES} images x 4 layers, again`,
        ocikit: ocikit.warm,
        peer: 'skopeo sync',
        peerTime: skopeo.warm,
        target: 'info',
      },
    ];
  } finally {
    await source.stop();
  }
}
