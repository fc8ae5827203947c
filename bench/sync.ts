/**
 * `sync` of 20 images (4 gzip layers each: a base all share, then three of their own) from one
 * loopback Distribution registry to another, listed in one YAML file: `ocikit sync` against
 * `skopeo sync` with the same file, each into a fresh destination registry (cold), then run again
 * on what it wrote (warm: nothing changed, nothing to copy).
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startRegistry } from '../test/helpers/registry.ts';
import { BENCH_DIR, OCIKIT, type Row, timeShell } from './lib.ts';
import { writeTree } from './trees.ts';

const IMAGES = 20;
const RUNS = 3;

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

/** Best cold and warm times of `command(destinationHost)`, each run into a new registry. */
async function measure(command: (host: string) => string): Promise<{ cold: number; warm: number }> {
  let cold = Number.POSITIVE_INFINITY;
  let warm = Number.POSITIVE_INFINITY;
  for (let i = 0; i < RUNS; i++) {
    const destination = await startRegistry();
    try {
      cold = Math.min(cold, await timeCommand(command(destination.host)));
      warm = Math.min(warm, await timeCommand(command(destination.host)));
    } finally {
      await destination.stop();
    }
  }
  return { cold, warm };
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
    const ocikit = await measure((host) => `${OCIKIT} sync -q --src yaml ${yaml} ${host}/mirror`);
    const skopeo = await measure(
      (host) => `skopeo sync --src yaml --dest docker --dest-tls-verify=false ${yaml} ${host}/mirror`,
    );
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
