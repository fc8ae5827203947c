/**
 * Peak memory must stay flat as layers grow: each operation runs on an image with a 10 MiB layer
 * and on one with a 1 GiB layer, and the peak RSS (GNU time) of the two runs is compared.
 */
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, OCIKIT_CLI } from './lib.ts';

const OCIKIT = [process.execPath, OCIKIT_CLI];

/** One memory comparison. */
export interface MemoryRow {
  operation: string;
  smallMiB: number;
  largeMiB: number;
  /** The large input's size, as the table's column says it (`1 GiB` when absent). */
  largeSize?: string;
}

/** Runs `ocikit ARGS` under GNU time and returns its peak resident set size in MiB; throws if it fails. */
export function peakRssMiB(args: string[]): number {
  const result = spawnSync('/usr/bin/time', ['-f', '%M', ...OCIKIT, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`ocikit ${args.join(' ')} failed: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  return Number(lines[lines.length - 1]) / 1024;
}

/** Writes `bytes` random (incompressible) bytes to `path`, 4 MiB at a time, creating its folder. */
export function writeFileOf(path: string, bytes: number): void {
  const block = Buffer.alloc(4 << 20);
  const parts = Math.ceil(bytes / block.length);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  for (let i = 0; i < parts; i++) {
    randomFillSync(block);
    writeFileSync(path, block.subarray(0, Math.min(block.length, bytes - i * block.length)), { flag: 'a' });
  }
}

/** Runs append, copy and unpack on both sizes and reports the peaks. */
export function benchMemory(): MemoryRow[] {
  const rows: MemoryRow[] = [];
  const peaks: Record<string, number[]> = {};
  for (const [label, size] of [
    ['small', 10 << 20],
    ['large', 1 << 30],
  ] as const) {
    const work = join(BENCH_DIR, `memory-${label}`);
    writeFileOf(join(work, 'tree', 'blob.bin'), size);
    const layout = join(work, 'layout');
    const ops: Array<[string, string[]]> = [
      ['append (build a gzip layer)', ['append', 'scratch', join(work, 'tree'), '-t', `oci:${layout}:m`]],
      ['copy to an oci-archive', ['copy', '-q', `oci:${layout}:m`, `oci-archive:${join(work, 'a.tar')}:m`]],
      ['unpack into a bundle', ['unpack', `oci:${layout}:m`, join(work, 'bundle')]],
    ];
    for (const [name, args] of ops) {
      peaks[name] ??= [];
      peaks[name].push(peakRssMiB(args));
    }
    rmSync(work, { recursive: true, force: true });
  }
  for (const [operation, [smallMiB = 0, largeMiB = 0]] of Object.entries(peaks))
    rows.push({ operation, smallMiB, largeMiB });
  return rows;
}

/** Prints the memory table; the large column is named by the first row's `largeSize`. */
export function reportMemory(rows: MemoryRow[]): void {
  const large = `at ${rows[0]?.largeSize ?? '1 GiB'}`;
  console.log(
    `\n${'peak RSS'.padEnd(34)}${'at 10 MiB'.padStart(14)}${large.padStart(14)}${'delta'.padStart(10)}  target`,
  );
  for (const r of rows) {
    console.log(
      `${r.operation.padEnd(34)}${`${r.smallMiB.toFixed(0)} MiB`.padStart(14)}${`${r.largeMiB.toFixed(0)} MiB`.padStart(14)}${`${(r.largeMiB - r.smallMiB).toFixed(0)} MiB`.padStart(10)}  <= +50 MiB`,
    );
  }
}
