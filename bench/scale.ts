/**
 * Scale curves (issue 16 item 4): for each dimension — layers per image, files per layer, platforms
 * per index, tags per repository — three sizes, each user-visible operation timed through the
 * command with its peak RSS (GNU time), beside the peer where one exists. Cost should grow
 * linearly (the "per unit" column stays level) and memory should stay flat (the "peak MB" column).
 * Data is generated once, in-process and deterministically, straight into OCI layouts.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type Descriptor, OCI, serializeJson } from '../src/spec/index.ts';
import { initLayout, type OciLayout } from '../src/store/layout.ts';
import { makeEntry } from '../src/tar/entry.ts';
import { END_OF_ARCHIVE, encodeHeader, padding } from '../src/tar/header.ts';
import { prng } from '../test/helpers/prng.ts';
import { type RunningRegistry, startRegistry } from '../test/helpers/registry.ts';
import { runsFromEnv } from './guard.ts';
import { BENCH_DIR, OCIKIT, type Row } from './lib.ts';

/** Timed runs per cell (the best is kept); `OCIKIT_SCALE_RUNS` overrides. */
const RUNS = runsFromEnv('OCIKIT_SCALE_RUNS', 1);
/** `OCIKIT_SCALE=small` shrinks every size tenfold (a quick check of the suite itself). */
const SHRINK = process.env.OCIKIT_SCALE === 'small' ? 10 : 1;

/** One measured cell: wall seconds (best of RUNS) and the peak RSS of that command in MB. */
interface Cell {
  seconds: number;
  peakMB: number;
}

/** One curve: an operation measured at each size of a dimension, and its peer when there is one. */
interface Curve {
  operation: string;
  peer?: string;
  points: Array<{ size: number; ocikit: Cell; peer?: Cell }>;
}

/** Runs `command` under GNU time RUNS times (`before` first each time); the best time and its peak RSS. */
function measure(commandOf: string | ((run: number) => string), before?: () => void): Cell {
  let best: Cell = { seconds: Number.POSITIVE_INFINITY, peakMB: 0 };
  for (let i = 0; i < RUNS; i++) {
    before?.();
    const command = typeof commandOf === 'string' ? commandOf : commandOf(i);
    const start = process.hrtime.bigint();
    // A command that stalls (a peer's push was seen to) is stopped after 5 minutes and reported failed.
    const result = spawnSync('/usr/bin/time', ['-f', '%M', 'timeout', '300', 'bash', '-c', command], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.status !== 0) {
      // A failure is reported in the table (and its message on stderr), not fatal to the suite.
      const message = result.stderr.trim().split('\n').slice(-3, -1).join(' | ');
      console.error(`bench: scale: failed: ${command}: ${message}`);
      return { seconds: Number.NaN, peakMB: Number.NaN };
    }
    const lines = result.stderr.trim().split('\n');
    const peakMB = Number(lines[lines.length - 1]) / 1024;
    if (seconds < best.seconds) best = { seconds, peakMB };
  }
  return best;
}

function rmSyncShell(path: string): void {
  spawnSync('rm', ['-rf', path]);
}

/** Deterministic bytes, half random and half text, so gzip has some work to do. */
function contentOf(seed: number, bytes: number): Buffer {
  const random = prng(seed);
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) out[i] = i % 2 === 0 ? Math.floor(random() * 256) : 97 + (i % 26);
  return out;
}

const MTIME = 1_700_000_000n * 1_000_000_000n;

/** The tar bytes of one regular file (header, content, padding). */
function tarFile(path: string, content: Buffer): Buffer[] {
  const header = encodeHeader(makeEntry({ type: 'file', path, size: content.byteLength, mtimeNs: MTIME }));
  return [header, content, padding(content.byteLength)];
}

/** The tar bytes of one directory. */
function tarDir(path: string): Buffer {
  return encodeHeader(makeEntry({ type: 'directory', path, mtimeNs: MTIME }));
}

/** A layer descriptor and its diff ID, once stored. */
interface StoredLayer {
  descriptor: Descriptor;
  diffId: string;
}

/** Stores an uncompressed tar (given as chunks) gzipped as a layer blob. */
async function putLayer(layout: OciLayout, chunks: Buffer[]): Promise<StoredLayer> {
  const tar = Buffer.concat(chunks);
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const gz = gzipSync(tar, { level: 1 });
  const info = await layout.putBytes(gz);
  return { descriptor: { mediaType: OCI.layerGzip, digest: info.digest, size: info.size }, diffId };
}

/** Stores a JSON document and returns its descriptor. */
async function putJson(layout: OciLayout, mediaType: string, value: unknown): Promise<Descriptor> {
  const bytes = serializeJson(value);
  const info = await layout.putBytes(bytes);
  return { mediaType, digest: info.digest, size: info.size };
}

/** Stores an image of the given layers for `platform` and returns its manifest descriptor. */
async function putImage(
  layout: OciLayout,
  layers: StoredLayer[],
  platform: { os: string; architecture: string; variant?: string },
): Promise<Descriptor> {
  const config = await putJson(layout, OCI.config, {
    ...platform,
    config: { Env: ['PATH=/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created_by: `layer ${i}` })),
  });
  const manifest = await putJson(layout, OCI.manifest, {
    schemaVersion: 2,
    mediaType: OCI.manifest,
    config,
    layers: layers.map((l) => l.descriptor),
  });
  return { ...manifest, platform };
}

const OSES = ['linux', 'freebsd', 'windows', 'netbsd', 'openbsd'];
const ARCHES: Array<[string, string?]> = [
  ['amd64'],
  ['arm64'],
  ['arm', 'v7'],
  ['arm', 'v6'],
  ['386'],
  ['ppc64le'],
  ['s390x'],
  ['riscv64'],
  ['mips64le'],
  ['loong64'],
];

/** The `i`-th of 50 distinct platforms. */
function platformOf(i: number): { os: string; architecture: string; variant?: string } {
  const [architecture, variant] = ARCHES[i % ARCHES.length] as [string, string?];
  const os = OSES[Math.floor(i / ARCHES.length)] as string;
  return variant === undefined ? { os, architecture } : { os, architecture, variant };
}

/** Prints one table per dimension: size, seconds, seconds per unit, peak MB, and the peer's. */
function printCurves(dimension: string, unit: string, curves: Curve[]): void {
  console.log(`\nscale: ${dimension}`);
  console.log(
    `${'operation'.padEnd(40)}${unit.padStart(8)}${'s'.padStart(9)}${`ms/${unit}`.padStart(12)}${'peak MB'.padStart(9)}` +
      `  ${'peer'.padEnd(20)}${'s'.padStart(8)}${`ms/${unit}`.padStart(12)}${'peak MB'.padStart(9)}${'ratio'.padStart(8)}`,
  );
  for (const curve of curves) {
    for (const p of curve.points) {
      const perUnit = (c: Cell) => ((c.seconds * 1000) / p.size).toFixed(3);
      let line =
        curve.operation.padEnd(40) +
        String(p.size).padStart(8) +
        p.ocikit.seconds.toFixed(3).padStart(9) +
        perUnit(p.ocikit).padStart(12) +
        p.ocikit.peakMB.toFixed(0).padStart(9);
      if (p.peer !== undefined && curve.peer !== undefined) {
        line +=
          `  ${curve.peer.padEnd(20)}` +
          p.peer.seconds.toFixed(3).padStart(8) +
          perUnit(p.peer).padStart(12) +
          p.peer.peakMB.toFixed(0).padStart(9) +
          `${(p.ocikit.seconds / p.peer.seconds).toFixed(2)}x`.padStart(8);
      }
      console.log(line);
    }
  }
}

/** Adds a point to the curve named `operation`, creating it. */
function add(curves: Curve[], operation: string, size: number, ocikit: Cell, peer?: [string, Cell]): void {
  let curve = curves.find((c) => c.operation === operation);
  if (curve === undefined) {
    curve = { operation, points: [] };
    if (peer !== undefined) curve.peer = peer[0];
    curves.push(curve);
  }
  curve.points.push(peer === undefined ? { size, ocikit } : { size, ocikit, peer: peer[1] });
}

const SKOPEO_PUSH = 'skopeo copy -q --dest-tls-verify=false';
const SKOPEO_PULL = 'skopeo copy -q --src-tls-verify=false';

/** One registry per tool, so neither finds blobs the other pushed. */
interface Registries {
  ocikit: RunningRegistry;
  skopeo: RunningRegistry;
}

/**
 * Push (cold), pull (cold) of `tag` of `layout`, each tool through a fresh registry of its own:
 * Distribution 2.8 was seen to stall (skopeo's and ocikit's pushes alike) when one registry
 * took a second push of 30 layers, so no registry takes more than one image here.
 */
async function pushPull(
  curves: Curve[],
  work: string,
  layout: string,
  tag: string,
  size: number,
  all = false,
): Promise<void> {
  const registries: Registries = { ocikit: await startRegistry(), skopeo: await startRegistry() };
  try {
    pushPullThrough(registries, curves, work, layout, tag, size, all);
  } finally {
    await registries.ocikit.stop();
    await registries.skopeo.stop();
  }
}

function pushPullThrough(
  registries: Registries,
  curves: Curve[],
  work: string,
  layout: string,
  tag: string,
  size: number,
  all: boolean,
): void {
  const repo = (tool: 'o' | 's', run: number) =>
    `${(tool === 'o' ? registries.ocikit : registries.skopeo).host}/scale/${tool}-${tag}-${run}`;
  const push = measure(
    (run) => `${OCIKIT} copy -q ${all ? '--all-platforms' : ''} oci:${layout}:${tag} ${repo('o', run)}:1`,
  );
  const skopeoPush = measure(
    (run) => `${SKOPEO_PUSH} ${all ? '--all' : ''} oci:${layout}:${tag} docker://${repo('s', run)}:1`,
  );
  add(curves, 'push (copy oci: -> registry, cold)', size, push, ['skopeo copy', skopeoPush]);
  const dest = join(work, 'pull');
  const pull = measure(
    `${OCIKIT} copy -q ${all ? '--all-platforms' : ''} ${repo('o', 0)}:1 oci:${dest}:x`,
    () => rmSyncShell(dest),
  );
  const skopeoPull = measure(
    `mkdir -p ${dest} && ${SKOPEO_PULL} ${all ? '--all' : ''} docker://${repo('s', 0)}:1 oci:${dest}:x`,
    () => rmSyncShell(dest),
  );
  rmSyncShell(dest);
  add(curves, 'pull (copy registry -> oci:, cold)', size, pull, ['skopeo copy', skopeoPull]);
}

/** Images of 10/30/100 small layers: push, pull, inspect, validate, unpack. */
async function layersDimension(): Promise<Curve[]> {
  const work = join(BENCH_DIR, 'scale-layers');
  const dir = join(work, 'layout');
  const layout = await initLayout(dir);
  const sizes = [10, 30, 100].map((n) => Math.max(1, Math.ceil(n / SHRINK)));
  // Each size gets layers of its own: Distribution 2.8 was seen to stall a push (skopeo's and
  // ocikit's alike) of blobs it already holds under another repository, so no blob is shared.
  const layers: StoredLayer[] = [];
  const total = sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; i < total; i++) {
    layers.push(
      await putLayer(layout, [
        tarDir(`l${i}/`),
        ...tarFile(`l${i}/data.bin`, contentOf(i, 32 << 10)),
        END_OF_ARCHIVE,
      ]),
    );
  }
  let first = 0;
  for (const n of sizes) {
    const image = await putImage(layout, layers.slice(first, first + n), {
      os: 'linux',
      architecture: 'amd64',
    });
    await layout.tag(`n${n}`, image);
    first += n;
  }
  const curves: Curve[] = [];
  for (const n of sizes) {
    const tag = `n${n}`;
    await pushPull(curves, work, dir, tag, n);
    add(curves, 'inspect', n, measure(`${OCIKIT} inspect oci:${dir}:${tag}`));
    add(curves, 'validate', n, measure(`${OCIKIT} validate oci:${dir}:${tag}`));
    const bundle = join(work, 'bundle');
    const unpack = measure(`${OCIKIT} unpack oci:${dir}:${tag} ${bundle}`, () => rmSyncShell(bundle));
    const umoci = measure(`umoci unpack --image ${dir}:${tag} ${bundle}`, () => rmSyncShell(bundle));
    rmSyncShell(bundle);
    add(curves, 'unpack', n, unpack, ['umoci unpack (+ mtree)', umoci]);
  }
  await rm(work, { recursive: true, force: true });
  return curves;
}

/** One layer of 10k/30k/100k small files: unpack, validate, push, pull. */
async function filesDimension(): Promise<Curve[]> {
  const work = join(BENCH_DIR, 'scale-files');
  const dir = join(work, 'layout');
  const layout = await initLayout(dir);
  const sizes = [10_000, 30_000, 100_000].map((n) => Math.round(n / SHRINK));
  for (const n of sizes) {
    const chunks: Buffer[] = [];
    for (let d = 0; d < n / 100; d++) {
      chunks.push(tarDir(`d${d}/`));
      for (let f = 0; f < 100; f++) chunks.push(...tarFile(`d${d}/f${f}.txt`, contentOf(d * 100 + f, 100)));
    }
    chunks.push(END_OF_ARCHIVE);
    const layer = await putLayer(layout, chunks);
    await layout.tag(`n${n}`, await putImage(layout, [layer], { os: 'linux', architecture: 'amd64' }));
  }
  const curves: Curve[] = [];
  for (const n of sizes) {
    const tag = `n${n}`;
    const bundle = join(work, 'bundle');
    const unpack = measure(`${OCIKIT} unpack oci:${dir}:${tag} ${bundle}`, () => rmSyncShell(bundle));
    const umoci = measure(`umoci unpack --image ${dir}:${tag} ${bundle}`, () => rmSyncShell(bundle));
    rmSyncShell(bundle);
    add(curves, 'unpack', n, unpack, ['umoci unpack (+ mtree)', umoci]);
    add(curves, 'validate', n, measure(`${OCIKIT} validate oci:${dir}:${tag}`));
    add(
      curves,
      'export (flatten to a tar)',
      n,
      measure(`${OCIKIT} export oci:${dir}:${tag} ${join(work, 'out.tar')}`),
    );
    await pushPull(curves, work, dir, tag, n);
  }
  await rm(work, { recursive: true, force: true });
  return curves;
}

/** An index of 5/15/50 platforms: push and pull --all, inspect, index filter, validate. */
async function platformsDimension(): Promise<Curve[]> {
  const work = join(BENCH_DIR, 'scale-platforms');
  const dir = join(work, 'layout');
  const layout = await initLayout(dir);
  const sizes = [5, 15, 50].map((n) => Math.max(1, Math.ceil(n / SHRINK)));
  for (const n of sizes) {
    // Children of their own per size (no blob shared between pushes: see layersDimension).
    const children: Descriptor[] = [];
    for (let i = 0; i < n; i++) {
      const layer = await putLayer(layout, [
        ...tarFile(`p${i}.bin`, contentOf(1000 * n + i, 64 << 10)),
        END_OF_ARCHIVE,
      ]);
      children.push(await putImage(layout, [layer], platformOf(i)));
    }
    const index = await putJson(layout, OCI.index, {
      schemaVersion: 2,
      mediaType: OCI.index,
      manifests: children,
    });
    await layout.tag(`n${n}`, index);
  }
  const curves: Curve[] = [];
  for (const n of sizes) {
    const tag = `n${n}`;
    await pushPull(curves, work, dir, tag, n, true);
    add(curves, 'inspect (the index)', n, measure(`${OCIKIT} inspect --raw oci:${dir}:${tag}`));
    add(
      curves,
      'index filter (one platform)',
      n,
      measure(`${OCIKIT} index filter oci:${dir}:${tag} --platform linux/amd64 -t oci:${dir}:f${n}`),
    );
    add(curves, 'validate', n, measure(`${OCIKIT} validate oci:${dir}:${tag}`));
  }
  await rm(work, { recursive: true, force: true });
  return curves;
}

/** A registry repository and a layout of 1k/3k/10k tags: ls (paged), inspect and copy of one tag. */
async function tagsDimension(): Promise<Curve[]> {
  const registry = await startRegistry();
  try {
    return await tagsThrough(registry);
  } finally {
    await registry.stop();
  }
}

async function tagsThrough(registry: RunningRegistry): Promise<Curve[]> {
  const work = join(BENCH_DIR, 'scale-tags');
  const dir = join(work, 'layout');
  const layout = await initLayout(dir);
  const sizes = [1000, 3000, 10_000].map((n) => Math.round(n / SHRINK));
  const layer = await putLayer(layout, [...tarFile('t.bin', contentOf(7, 1024)), END_OF_ARCHIVE]);
  const image = await putImage(layout, [layer], { os: 'linux', architecture: 'amd64' });
  await layout.tag('seed', image);
  const curves: Curve[] = [];
  for (const n of sizes) {
    // The registry's repository: n tags written as Distribution's own filesystem storage keeps
    // them (a tag is a folder holding a link to the manifest digest); listing reads only those.
    const repo = `scale/tags${n}`;
    const tags = join(registry.dir, 'data/docker/registry/v2/repositories', repo, '_manifests/tags');
    const hex = image.digest.slice('sha256:'.length);
    for (let i = 0; i < n; i++) {
      const tagDir = join(tags, `v${i}`);
      await mkdir(join(tagDir, 'current'), { recursive: true });
      await mkdir(join(tagDir, 'index/sha256', hex), { recursive: true });
      await writeFile(join(tagDir, 'current/link'), image.digest);
      await writeFile(join(tagDir, 'index/sha256', hex, 'link'), image.digest);
    }
    add(curves, 'ls REPO (registry)', n, measure(`${OCIKIT} ls ${registry.host}/${repo}`), [
      'skopeo list-tags',
      measure(`skopeo list-tags --tls-verify=false docker://${registry.host}/${repo}`),
    ]);
    // The layout: n tags in index.json.
    await layout.updateIndex((index) => {
      index.manifests = [{ ...image, annotations: { 'org.opencontainers.image.ref.name': 'seed' } }];
      for (let i = 0; i < n; i++)
        index.manifests.push({ ...image, annotations: { 'org.opencontainers.image.ref.name': `v${i}` } });
      return index;
    });
    add(curves, 'ls oci:DIR (layout)', n, measure(`${OCIKIT} ls oci:${dir}`));
    add(curves, 'inspect oci:DIR:TAG (last tag)', n, measure(`${OCIKIT} inspect oci:${dir}:v${n - 1}`));
    add(
      curves,
      'copy oci:DIR:TAG oci:DIR:NEW (add a tag)',
      n,
      measure((k) => `${OCIKIT} copy -q oci:${dir}:seed oci:${dir}:new${n}-${k}`),
    );
  }
  await rm(work, { recursive: true, force: true });
  return curves;
}

/** Runs every dimension (fresh loopback registries per push); prints the curves, returns no ratio rows. */
export async function benchScale(): Promise<Row[]> {
  const dimensions: Array<[string, string, () => Promise<Curve[]>]> = [
    ['layers per image', 'layers', layersDimension],
    ['platforms per index', 'platforms', platformsDimension],
    ['tags per repository', 'tags', tagsDimension],
    ['files in one layer', 'files', filesDimension],
  ];
  const only = process.env.OCIKIT_SCALE_ONLY;
  for (const [name, unit, run] of dimensions) {
    if (only !== undefined && !only.split(',').includes(unit)) continue;
    console.error(`bench: scale: ${name}...`);
    printCurves(name, unit, await run());
    if (unit === 'tags') {
      console.log(
        '  (Distribution 2.8 answers a tag list in one page whatever n asks; ocikit follows Link pages when sent)',
      );
    }
  }
  return [];
}

// Runs alone: `node bench/scale.ts`.
if (import.meta.main) {
  try {
    await benchScale();
  } finally {
    await rm(BENCH_DIR, { recursive: true, force: true });
  }
}
