/** Deterministic file trees for the benchmarks: many small files, text-like and compressible. */
import { execSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { prng } from '../test/helpers/prng.ts';
import { OCIKIT, timeShell } from './lib.ts';

const WORDS =
  'lorem ipsum dolor sit amet container image layer digest manifest index config rootfs tar gzip zstd registry blob'.split(
    ' ',
  );

function textBlock(random: () => number, bytes: number): Buffer {
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const word = WORDS[Math.floor(random() * WORDS.length)] as string;
    const token = random() < 0.1 ? `${word}${Math.floor(random() * 1e6)}\n` : `${word} `;
    parts.push(token);
    size += token.length;
  }
  return Buffer.from(parts.join('').slice(0, bytes));
}

/** Writes `files` files (sizes spread up to `maxSize`) in nested directories under `root`. */
export async function writeTree(
  root: string,
  options: { seed: number; files: number; maxSize: number; binaryShare?: number },
): Promise<number> {
  const random = prng(options.seed);
  let total = 0;
  for (let i = 0; i < options.files; i++) {
    const dir = join(root, `d${i % 37}`, `e${i % 11}`);
    await mkdir(dir, { recursive: true });
    const size = Math.floor(random() ** 3 * options.maxSize) + 1;
    const binary = random() < (options.binaryShare ?? 0.1);
    const data = binary
      ? Buffer.from(Array.from({ length: size }, () => Math.floor(random() * 256)))
      : textBlock(random, size);
    await writeFile(join(dir, `f${i}.txt`), data);
    total += size;
  }
  return total;
}

/**
 * The multi-layer bench image (four layers of 300 mixed files) as `oci:WORK/layout:img`, made with
 * the command under test; returns the layout and its size in MB.
 */
export async function writeBenchImage(work: string): Promise<{ layout: string; megabytes: number }> {
  const dirs: string[] = [];
  for (let i = 0; i < 4; i++) {
    const dir = join(work, `layer${i}`);
    await writeTree(dir, { seed: 100 + i, files: 300, maxSize: 256 << 10, binaryShare: 0.5 });
    dirs.push(dir);
  }
  const layout = join(work, 'layout');
  timeShell(`${OCIKIT} append scratch ${dirs.join(' ')} -t oci:${layout}:img`);
  const megabytes = Math.round(
    Number(execSync(`du -sb ${layout}`, { encoding: 'utf8' }).split('\t')[0]) / 1e6,
  );
  return { layout, megabytes };
}
