/**
 * `npm run bench`: every benchmark, peers side by side in one run, on the same filesystem (tmpfs),
 * reported as ratios of ocikit's time to the peer's. Pass names to run a subset: `npm run bench -- digest`
 * (`build` runs both the build timings and the build memory peaks). Each suite's table is printed as
 * soon as it finishes; a suite that fails or outlives its limit is reported by name and the others
 * still run, and the run then exits non-zero. Its environment variables are listed in the README.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BenchTimeoutError, runSuites, type Suite, type SuiteFailure } from './guard.ts';
import { BENCH_DIR, type Row, report } from './lib.ts';
import type { MemoryRow } from './memory.ts';

/** The ratio suites, in the order they run; each module is loaded only when its suite runs. */
const SUITES: Record<string, () => Promise<Row[]>> = {
  digest: async () => (await import('./digest.ts')).benchDigest(),
  compress: async () => (await import('./compress.ts')).benchCompress(),
  layer: async () => (await import('./layer.ts')).benchLayer(),
  unpack: async () => (await import('./unpack.ts')).benchUnpack(),
  registry: async () => (await import('./registry.ts')).benchRegistry(),
  build: async () => (await import('./build.ts')).benchBuild(),
  'build-run': async () => (await import('./build-run.ts')).benchBuildRun(),
  sync: async () => (await import('./sync.ts')).benchSync(),
  realistic: async () => (await import('./realistic.ts')).benchRealistic(),
  startup: async () => (await import('./startup.ts')).benchStartup(),
  scale: async () => (await import('./scale.ts')).benchScale(),
  serve: async () => (await import('./serve.ts')).benchServe(),
  explore: async () => (await import('./explore.ts')).benchExplore(),
};

/** The peak-memory suites, after the ratio suites, each selected by the name given with it. */
const MEMORY_SUITES: Array<{ name: string; selectedBy: string; run: () => Promise<MemoryRow[]> }> = [
  { name: 'memory', selectedBy: 'memory', run: async () => (await import('./memory.ts')).benchMemory() },
  {
    name: 'realistic memory',
    selectedBy: 'realistic',
    run: async () => (await import('./realistic.ts')).benchRealisticMemory(),
  },
  {
    name: 'build memory',
    selectedBy: 'build',
    run: async () => (await import('./build-memory.ts')).benchBuildMemory(),
  },
];

const wanted = process.argv.slice(2);
const known = new Set([...Object.keys(SUITES), ...MEMORY_SUITES.map((suite) => suite.selectedBy)]);
const unknown = wanted.filter((name) => !known.has(name));
if (unknown.length > 0) {
  console.error(`bench: unknown suite(s) ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  rmSync(BENCH_DIR, { recursive: true, force: true });
  process.exit(2);
}
const selected = (name: string): boolean => wanted.length === 0 || wanted.includes(name);

const suites: Suite[] = [
  ...Object.entries(SUITES)
    .filter(([name]) => selected(name))
    .map(([name, bench]) => ({
      name,
      run: async () => {
        requireFreshBundle();
        const rows = await bench();
        requireFreshBundle();
        if (rows.length > 0) report(rows, name);
      },
    })),
  ...MEMORY_SUITES.filter((suite) => selected(suite.selectedBy)).map((suite) => ({
    name: suite.name,
    run: async () => {
      requireFreshBundle();
      const rows = await suite.run();
      requireFreshBundle();
      if (rows.length > 0) {
        console.log(`\n[${suite.name}]`);
        (await import('./memory.ts')).reportMemory(rows);
      }
    },
  })),
];

/**
 * Fails the suite when a source file became newer than the bundle built at the start: bin/ocikit.js
 * would then run the TypeScript sources instead, and the rows would time something else than what
 * a user installs. (A bundle named by OCIKIT_BENCH_CLI is outside the checkout and never stale.)
 */
function requireFreshBundle(): void {
  if (process.env.OCIKIT_BENCH_CLI !== undefined) return;
  const repo = join(import.meta.dirname, '..');
  const built = statSync(join(repo, 'dist/ocikit/main.mjs')).mtimeMs;
  const sources: string[] = JSON.parse(readFileSync(join(repo, 'dist/ocikit/sources.json'), 'utf8'));
  const changed = sources.filter(
    (path) => (statSync(join(repo, path), { throwIfNoEntry: false })?.mtimeMs ?? Infinity) > built,
  );
  if (changed.length > 0) {
    throw new Error(
      `sources changed during the run (${changed.slice(0, 3).join(', ')}): the command would run them, not the bundle`,
    );
  }
}

let failures: SuiteFailure[] = [];
try {
  // The CLI runs from its bundle in dist/ when that is up to date: build it with the project's own
  // build script (library, then the bundled command) so every timing is of the code a user installs.
  // Inside the try, so a failed build leaves no scratch directory behind.
  // OCIKIT_BENCH_CLI names a bundle built elsewhere (scripts/bundle-cli.ts OUTDIR): time that one.
  if (process.env.OCIKIT_BENCH_CLI === undefined) {
    execFileSync('npm', ['run', '--silent', 'build'], {
      cwd: join(import.meta.dirname, '..'),
      stdio: 'inherit',
    });
  }
  failures = await runSuites(suites);
} finally {
  rmSync(BENCH_DIR, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.error(`\nbench: ${failures.length} of ${suites.length} suite(s) failed:`);
  for (const { name, error } of failures) {
    console.error(`  ${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  // A suite abandoned at its limit may have left timers or sockets behind: do not wait for them.
  if (failures.some(({ error }) => error instanceof BenchTimeoutError)) process.exit(1);
  process.exitCode = 1;
}
