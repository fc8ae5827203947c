/**
 * Gzip of a ~200 MiB directory-like tar: ocikit's parallel gzip (2 threads, its default level)
 * against `gzip -6` and `pigz -6 -p 2` on the same file in tmpfs, with the output sizes; then the peak RSS of compressing a 1 GiB stream against
 * a 10 MiB one, each in its own child process. Run alone with `node bench/compress.ts`.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzipCompressor, DEFAULT_GZIP_LEVEL } from '../src/compress/index.ts';
import type { Row } from './lib.ts';

// lib.ts creates the scratch folder when loaded: load it only in the parent, never in the children.
const lib = (): Promise<typeof import('./lib.ts')> => import('./lib.ts');

const MiB = 1 << 20;
const TAR_BYTES = 200 * MiB;
const THREADS = 2;

/** A small deterministic PRNG (xorshift32). */
function prng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/**
 * Pseudo-text: words of a fixed random vocabulary drawn with a skewed (Zipf-like) frequency, with
 * punctuation and line breaks; gzip -6 compresses it to about a third, like source trees and docs.
 */
function textPool(size: number, seed: number): Buffer {
  const next = prng(seed);
  const vocabulary: string[] = [];
  for (let i = 0; i < 4000; i++) {
    let word = '';
    for (let n = 2 + (next() % 9); n > 0; n--) word += String.fromCharCode(97 + (next() % 26));
    vocabulary.push(word);
  }
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  while (pos < size) {
    const r = next();
    const u = r / 2 ** 32;
    const word = vocabulary[Math.floor(vocabulary.length * u * u * u)] as string;
    const sep = r % 10 === 0 ? '\n' : r % 7 === 0 ? ', ' : ' ';
    pos += out.write(word + sep, pos, 'latin1');
  }
  return out;
}

/** Binary-like bytes: random pages alternating with sparse, zero-filled ones (as in executables). */
function binaryPool(size: number, seed: number): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(size);
  for (let page = 0; page + 4096 <= size; page += 4096) {
    const dense = next() % 2 === 0;
    for (let i = page; i < page + 4096; i += 4) if (dense || next() % 16 === 0) out.writeUInt32LE(next(), i);
  }
  return out;
}

/** A ustar header (POSIX.1-1988) for a regular file with fixed owner and time. */
function tarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('14000000000\0', 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write('0', 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** Yields a deterministic directory-like tar of about `bytes`: mostly text files, some binaries. */
export function* tarChunks(bytes: number): Generator<Buffer> {
  const text = textPool(8 * MiB, 1);
  const binary = binaryPool(2 * MiB, 2);
  const next = prng(3);
  let written = 0;
  for (let i = 0; written < bytes; i++) {
    const isBinary = next() % 10 === 0;
    const pool = isBinary ? binary : text;
    const size = Math.min(pool.length, 512 + (next() % (isBinary ? 300_000 : 120_000)));
    const start = next() % (pool.length - size);
    const name = `usr/share/pkg${i % 97}/dir${i % 13}/file${i}.${isBinary ? 'so' : 'js'}`;
    yield tarHeader(name, size);
    yield pool.subarray(start, start + size);
    const pad = (512 - (size % 512)) % 512;
    if (pad > 0) yield Buffer.alloc(pad);
    written += 512 + size + pad;
  }
  yield Buffer.alloc(1024);
}

/** Writes the benchmark tar into tmpfs and returns its path and size. */
async function writeTar(dir: string): Promise<{ path: string; size: number }> {
  const path = join(dir, 'layer.tar');
  await pipeline(Readable.from(tarChunks(TAR_BYTES)), createWriteStream(path));
  return { path, size: statSync(path).size };
}

async function ocikitGzip(input: string, output: string): Promise<void> {
  await pipeline(
    createReadStream(input, { highWaterMark: MiB }),
    createGzipCompressor({ threads: THREADS }),
    createWriteStream(output),
  );
}

/** Child mode: compresses `bytes` of generated tar to nowhere and prints the peak RSS in bytes. */
async function rssChild(bytes: number): Promise<void> {
  await pipeline(
    Readable.from(tarChunks(bytes)),
    createGzipCompressor({ threads: THREADS }),
    new Writable({ write: (_chunk, _encoding, callback) => callback() }),
  );
  console.log(process.resourceUsage().maxRSS * 1024);
}

function peakRss(bytes: number): number {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--rss-child', String(bytes)], {
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`rss child failed: ${child.stderr}`);
  return Number(child.stdout.trim());
}

const mbps = (bytes: number, seconds: number): string => `${(bytes / 1e6 / seconds).toFixed(1)} MB/s`;

/** Runs the gzip benchmark and the memory check, printing details and returning report rows. */
export async function benchCompress(): Promise<Row[]> {
  const { BENCH_DIR, timeAsync, timeShell } = await lib();
  const { path, size } = await writeTar(BENCH_DIR);
  const out = join(BENCH_DIR, 'out.gz');
  // Rounds interleave the three tools so a burst of load elsewhere on the machine hits them alike.
  const times = {
    ours: Number.POSITIVE_INFINITY,
    gzip: Number.POSITIVE_INFINITY,
    pigz: Number.POSITIVE_INFINITY,
  };
  const sizes = { ours: 0, gzip: 0, pigz: 0 };
  for (let round = 0; round < 3; round++) {
    times.ours = Math.min(times.ours, await timeAsync(() => ocikitGzip(path, out)));
    sizes.ours = statSync(out).size;
    times.gzip = Math.min(times.gzip, timeShell(`gzip -6 -c ${path} > ${out}`));
    sizes.gzip = statSync(out).size;
    times.pigz = Math.min(times.pigz, timeShell(`pigz -6 -p ${THREADS} -c ${path} > ${out}`));
    sizes.pigz = statSync(out).size;
  }
  const { ours, gzip, pigz } = times;
  const [oursSize, gzipSize, pigzSize] = [sizes.ours, sizes.gzip, sizes.pigz];
  rmSync(out, { force: true });
  rmSync(path, { force: true });

  console.error(`input: ${(size / MiB).toFixed(1)} MiB directory-like tar in tmpfs`);
  console.error(
    `ocikit gzip (threads=${THREADS}, level ${DEFAULT_GZIP_LEVEL}): ${ours.toFixed(3)} s, ${mbps(size, ours)}, ratio ${(oursSize / size).toFixed(4)}`,
  );
  console.error(
    `gzip -6:                  ${gzip.toFixed(3)} s, ${mbps(size, gzip)}, ratio ${(gzipSize / size).toFixed(4)}`,
  );
  console.error(
    `pigz -6 -p ${THREADS}:             ${pigz.toFixed(3)} s, ${mbps(size, pigz)}, ratio ${(pigzSize / size).toFixed(4)}`,
  );

  const small = peakRss(10 * MiB);
  const large = peakRss(1024 * MiB);
  console.error(
    `peak RSS: 10 MiB stream ${(small / MiB).toFixed(1)} MiB, 1 GiB stream ${(large / MiB).toFixed(1)} MiB (+${((large - small) / MiB).toFixed(1)} MiB)`,
  );

  console.error(`output size ocikit/pigz: ${(oursSize / pigzSize).toFixed(3)}`);

  const operation = `gzip a ${Math.round(size / MiB)} MiB tar, ${THREADS} threads, level ${DEFAULT_GZIP_LEVEL}`;
  return [
    { operation, ocikit: ours, peer: 'gzip -6', peerTime: gzip, target: '<= 0.8x' },
    { operation, ocikit: ours, peer: `pigz -6 -p ${THREADS}`, peerTime: pigz, target: '<= 1.0x' },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const childAt = process.argv.indexOf('--rss-child');
  if (childAt > 0) {
    await rssChild(Number(process.argv[childAt + 1]));
  } else {
    const { BENCH_DIR, report } = await lib();
    try {
      report(await benchCompress());
    } finally {
      rmSync(BENCH_DIR, { recursive: true, force: true });
    }
  }
}
