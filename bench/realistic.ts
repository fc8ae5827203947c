/**
 * Realistic images through a loopback Distribution registry, `ocikit copy` against `skopeo copy`
 * (same formats: an `oci:` layout on tmpfs to and from the registry), cold (nothing present at
 * the destination) and warm (everything present), each tool against its own fresh registry:
 * - a 10-layer image of about 500 MB whose largest layer is about 300 MB, of random bytes and
 *   text (partly compressible, as real layers are);
 * - a 4-layer Debian image: the cached `debootstrap --variant=minbase` base the tests use, with
 *   three layers of a few thousand small files on top (a busybox base when no Debian base can
 *   be made, which the row then says).
 * And peak memory (GNU time) of a push and a pull of a 2 GiB layer against a 10 MiB one.
 */
import { execSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningRegistry, startRegistry } from '../test/helpers/registry.ts';
import { BENCH_DIR, OCIKIT, OCIKIT_CLI, type Row, timeShell } from './lib.ts';
import type { MemoryRow } from './memory.ts';
import { writeTree } from './trees.ts';

const RUNS = 3;

/** A deterministic text pool: words and numbers, compressing about 3:1 with gzip like source code or logs. */
function textPool(bytes: number): Buffer {
  const words =
    'the of and to in is for on that with as by this from at be are or an it not package version'.split(' ');
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state;
  };
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const n = next();
    const token = n % 7 === 0 ? `${n % 100000}\n` : `${words[n % words.length]} `;
    parts.push(token);
    size += token.length;
  }
  return Buffer.from(parts.join('').slice(0, bytes));
}

const TEXT = textPool(4 << 20);

/** Writes a layer's tree: `randomMiB` of random bytes and `textMiB` of text, in files of 1-8 MiB. */
function writeLayerTree(dir: string, randomMiB: number, textMiB: number, seed: number): void {
  mkdirSync(dir, { recursive: true });
  const block = Buffer.alloc(1 << 20);
  let file = 0;
  const write = (mib: number, fill: (i: number) => Buffer) => {
    for (let left = mib; left > 0; file++) {
      const size = Math.min(left, 1 + ((seed + file * 7) % 8));
      const chunks: Buffer[] = [];
      for (let i = 0; i < size; i++) chunks.push(Buffer.from(fill(file * 8 + i)));
      writeFileSync(join(dir, `f${file}.dat`), Buffer.concat(chunks));
      left -= size;
    }
  };
  write(randomMiB, () => randomFillSync(block));
  write(textMiB, (i) => {
    const offset = ((seed * 7919 + i * 104729) % 3) << 20;
    return TEXT.subarray(offset, offset + (1 << 20));
  });
}

/** Megabytes of a layout's blobs. */
function megabytes(layout: string): number {
  return Math.round(Number(execSync(`du -sb ${layout}/blobs`, { encoding: 'utf8' }).split('\t')[0]) / 1e6);
}

interface Timings {
  pushCold: number;
  pushWarm: number;
  pullCold: number;
  pullWarm: number;
}

/** Best times of push and pull, cold and warm, each run against a new registry, tools interleaved. */
async function measure(layout: string, label: string): Promise<{ ocikit: Timings; skopeo: Timings }> {
  const tools = {
    ocikit: {
      push: (host: string) => `${OCIKIT} copy -q oci:${layout}:img ${host}/bench/${label}:1`,
      pull: (host: string, dest: string) => `${OCIKIT} copy -q ${host}/bench/${label}:1 oci:${dest}:img`,
    },
    skopeo: {
      push: (host: string) =>
        `skopeo copy -q --dest-tls-verify=false oci:${layout}:img docker://${host}/bench/${label}:1`,
      pull: (host: string, dest: string) =>
        `mkdir -p ${dest} && skopeo copy -q --src-tls-verify=false docker://${host}/bench/${label}:1 oci:${dest}:img`,
    },
  };
  const best = () => ({ pushCold: Infinity, pushWarm: Infinity, pullCold: Infinity, pullWarm: Infinity });
  const result = { ocikit: best(), skopeo: best() };
  for (let i = 0; i < RUNS; i++) {
    for (const name of ['ocikit', 'skopeo'] as const) {
      const registry: RunningRegistry = await startRegistry();
      const dest = join(BENCH_DIR, `realistic-pull-${label}-${name}`);
      const times = result[name];
      try {
        const tool = tools[name];
        times.pushCold = Math.min(times.pushCold, timeShell(tool.push(registry.host)));
        times.pushWarm = Math.min(times.pushWarm, timeShell(tool.push(registry.host)));
        times.pullCold = Math.min(times.pullCold, timeShell(tool.pull(registry.host, dest)));
        times.pullWarm = Math.min(times.pullWarm, timeShell(tool.pull(registry.host, dest)));
      } finally {
        rmSync(dest, { recursive: true, force: true });
        await registry.stop();
      }
    }
  }
  return result;
}

function rows(
  what: string,
  times: { ocikit: Timings; skopeo: Timings },
  targets: { cold: string; warm: string },
): Row[] {
  const row = (operation: string, key: keyof Timings, target: string): Row => ({
    operation: `${operation} ${what}`,
    ocikit: times.ocikit[key],
    peer: 'skopeo copy',
    peerTime: times.skopeo[key],
    target,
  });
  return [
    row('push', 'pushCold', targets.cold),
    row('push', 'pushWarm', targets.warm),
    row('pull', 'pullCold', targets.cold),
    row('pull', 'pullWarm', targets.warm),
  ].map((r, i) => ({ ...r, operation: `${r.operation}, ${i % 2 === 0 ? 'cold' : 'warm'}` }));
}

/** The 4-layer Debian-like image: the Debian base when there is (or can be) one, else busybox. */
async function debianLike(work: string): Promise<{ layout: string; base: string }> {
  const dirs: string[] = [];
  let base: { name: string; label: string };
  try {
    const { debianBase } = await import('../test/helpers/debian-base.ts');
    base = { name: (await debianBase()).name, label: 'Debian' };
  } catch {
    const { writeBusyboxRootfs } = await import('../test/helpers/busybox.ts');
    const rootfs = join(work, 'busybox-rootfs');
    await writeBusyboxRootfs(rootfs);
    dirs.push(rootfs);
    base = { name: 'scratch', label: 'busybox' };
  }
  for (let i = 0; i < 3; i++) {
    const dir = join(work, `debian-layer${i}`);
    await writeTree(dir, { seed: 700 + i, files: 2000, maxSize: 48 << 10, binaryShare: 0.2 });
    dirs.push(dir);
  }
  const layout = join(work, 'debian-layout');
  timeShell(`${OCIKIT} append ${base.name} ${dirs.join(' ')} -t oci:${layout}:img`);
  return { layout, base: base.label };
}

/** Builds both images once, then times both tools on all four cases of each. */
export async function benchRealistic(): Promise<Row[]> {
  const work = join(BENCH_DIR, 'realistic');
  const dirs: string[] = [];
  // One large layer (about 300 MB compressed), nine of about 22 MB.
  writeLayerTree(join(work, 'big0'), 270, 120, 1);
  dirs.push(join(work, 'big0'));
  for (let i = 1; i < 10; i++) {
    writeLayerTree(join(work, `big${i}`), 18, 12, i + 1);
    dirs.push(join(work, `big${i}`));
  }
  const bigLayout = join(work, 'big-layout');
  timeShell(`${OCIKIT} append scratch ${dirs.join(' ')} -t oci:${bigLayout}:img`);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  const big = await measure(bigLayout, 'big');
  const bigMB = megabytes(bigLayout);
  rmSync(bigLayout, { recursive: true, force: true });

  const debian = await debianLike(work);
  const debianTimes = await measure(debian.layout, 'debian');
  const debianMB = megabytes(debian.layout);
  rmSync(work, { recursive: true, force: true });
  return [
    ...rows(`10 layers (${bigMB} MB, one ~300 MB)`, big, { cold: '<= 0.8x', warm: '<= 1.0x' }),
    ...rows(`4-layer ${debian.base} image (${debianMB} MB)`, debianTimes, { cold: '<= 0.8x', warm: 'info' }),
  ];
}

/** Peak RSS in MiB of `ocikit ARGS` (GNU time). */
function peakRssMiB(args: string): number {
  const result = spawnSync('bash', ['-c', `/usr/bin/time -f %M ${process.execPath} ${OCIKIT_CLI} ${args}`], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`ocikit ${args} failed: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  return Number(lines[lines.length - 1]) / 1024;
}

/** Peak memory of a push and a pull of an image with one 10 MiB layer, then one 2 GiB layer. */
export async function benchRealisticMemory(): Promise<MemoryRow[]> {
  const peaks: Record<string, number[]> = { push: [], pull: [] };
  // Not `2 << 30`: shifts work on 32-bit integers, and that is -2 GiB (the row then measured an
  // empty layer). The size written is checked below.
  for (const size of [10 * 2 ** 20, 2 * 2 ** 30]) {
    const work = join(BENCH_DIR, `realistic-memory-${size}`);
    const tree = join(work, 'tree');
    mkdirSync(tree, { recursive: true });
    const block = Buffer.alloc(4 << 20);
    const file = join(tree, 'blob.bin');
    writeFileSync(file, '');
    for (let done = 0; done < size; done += block.length) {
      randomFillSync(block);
      writeFileSync(file, block.subarray(0, Math.min(block.length, size - done)), { flag: 'a' });
    }
    if (statSync(file).size !== size) throw new Error(`wrote ${statSync(file).size} bytes, not ${size}`);
    const layout = join(work, 'layout');
    // Uncompressed: the memory of moving the bytes, not of compressing them (bench/memory.ts has that).
    timeShell(`${OCIKIT} append scratch ${tree} --compression none -t oci:${layout}:m`);
    rmSync(tree, { recursive: true, force: true });
    const registry = await startRegistry();
    try {
      peaks.push?.push(peakRssMiB(`copy -q oci:${layout}:m ${registry.host}/mem/m:1`));
      rmSync(layout, { recursive: true, force: true });
      peaks.pull?.push(peakRssMiB(`copy -q ${registry.host}/mem/m:1 oci:${join(work, 'pulled')}:m`));
    } finally {
      await registry.stop();
      rmSync(work, { recursive: true, force: true });
    }
  }
  return [
    {
      operation: 'push to a registry (2 GiB)',
      smallMiB: peaks.push?.[0] ?? 0,
      largeMiB: peaks.push?.[1] ?? 0,
      largeSize: '2 GiB',
    },
    {
      operation: 'pull from a registry (2 GiB)',
      smallMiB: peaks.pull?.[0] ?? 0,
      largeMiB: peaks.pull?.[1] ?? 0,
      largeSize: '2 GiB',
    },
  ];
}
