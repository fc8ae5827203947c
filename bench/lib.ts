/** Shared helpers for the benchmarks: timing child commands and in-process work, reporting ratios. */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { COMMAND_TIMEOUT_MS, runShellBounded, withTimeout } from './guard.ts';

/**
 * The command the benchmarks time: `bin/ocikit.js` (which runs the freshly built bundle), or the
 * bundle's `main.mjs` named by `OCIKIT_BENCH_CLI` (then `bench/run.ts` does not rebuild `dist/`).
 */
export const OCIKIT_CLI = process.env.OCIKIT_BENCH_CLI ?? join(import.meta.dirname, '../bin/ocikit.js');

/** {@link OCIKIT_CLI} as a shell command prefix, run by this Node. */
export const OCIKIT = `${process.execPath} ${OCIKIT_CLI}`;

/**
 * Scratch directory for benchmark data; tmpfs so every tool reads from the same fast filesystem.
 * Removed when the process exits, so a script or test that only imports a bench module leaves no
 * folder behind.
 */
export const BENCH_DIR = join('/dev/shm', `ocikit-bench-${process.pid}`);
mkdirSync(BENCH_DIR, { recursive: true });
process.once('exit', () => rmSync(BENCH_DIR, { recursive: true, force: true }));

/**
 * Runs a shell command and returns its wall time in seconds; throws if it fails, or if it outlives
 * `OCIKIT_BENCH_TIMEOUT` (then its whole process group is killed).
 */
export function timeShell(command: string, env: NodeJS.ProcessEnv = process.env): number {
  return runShellBounded(command, { env });
}

/** Times an async function, returning seconds; throws if it outlives `OCIKIT_BENCH_TIMEOUT`. */
export async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await withTimeout(fn(), COMMAND_TIMEOUT_MS, 'benchmark step');
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Best (minimum) of `runs` timings: the least noisy estimate on a shared machine. */
export async function best(runs: number, fn: () => Promise<number> | number): Promise<number> {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) min = Math.min(min, await fn());
  return min;
}

/** One row of the report. */
export interface Row {
  operation: string;
  ocikit: number;
  peer: string;
  peerTime: number;
  target: string;
}

/** Prints rows as a table of seconds and ratios (ocikit time / peer time), under `title` when given. */
export function report(rows: Row[], title?: string): void {
  if (title !== undefined) console.log(`\n[${title}]`);
  console.log(
    '\noperation'.padEnd(46) +
      'ocikit s'.padStart(10) +
      '  peer'.padEnd(34) +
      'peer s'.padStart(9) +
      '  ratio  target',
  );
  for (const r of rows) {
    const ratio = r.ocikit / r.peerTime;
    console.log(
      r.operation.padEnd(45) +
        r.ocikit.toFixed(3).padStart(10) +
        `  ${r.peer}`.padEnd(34) +
        r.peerTime.toFixed(3).padStart(9) +
        `  ${ratio.toFixed(2)}x  ${r.target}`,
    );
  }
}
