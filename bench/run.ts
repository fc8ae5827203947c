/**
 * `npm run bench`: every benchmark, peers side by side in one run, on the same filesystem (tmpfs),
 * reported as ratios of ocikit's time to the peer's. Pass names to run a subset: `npm run bench -- digest`
 * (`build` runs both the build timings and the build memory peaks).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchBuild } from './build.ts';
import { benchBuildMemory } from './build-memory.ts';
import { benchCompress } from './compress.ts';
import { benchDigest } from './digest.ts';
import { benchLayer } from './layer.ts';
import { BENCH_DIR, type Row, report } from './lib.ts';
import { benchMemory, type MemoryRow, reportMemory } from './memory.ts';
import { benchRegistry } from './registry.ts';
import { benchUnpack } from './unpack.ts';

const SUITES: Record<string, () => Promise<Row[]>> = {
  digest: benchDigest,
  compress: benchCompress,
  layer: benchLayer,
  unpack: benchUnpack,
  registry: benchRegistry,
  build: benchBuild,
  'build-run': (await import('./build-run.ts')).benchBuildRun,
  sync: (await import('./sync.ts')).benchSync,
  realistic: (await import('./realistic.ts')).benchRealistic,
  startup: (await import('./startup.ts')).benchStartup,
  scale: (await import('./scale.ts')).benchScale,
  serve: (await import('./serve.ts')).benchServe,
  explore: (await import('./explore.ts')).benchExplore,
};

const wanted = process.argv.slice(2);
const selected = (name: string): boolean => wanted.length === 0 || wanted.includes(name);
const rows: Row[] = [];
let memory: MemoryRow[] = [];
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
  for (const [name, suite] of Object.entries(SUITES)) {
    if (!selected(name)) continue;
    console.error(`bench: ${name}...`);
    rows.push(...(await suite()));
  }
  if (selected('memory')) {
    console.error('bench: memory...');
    memory = benchMemory();
  }
  if (selected('realistic')) {
    console.error('bench: realistic memory...');
    memory.push(...(await (await import('./realistic.ts')).benchRealisticMemory()));
  }
  if (selected('build')) {
    console.error('bench: build memory...');
    memory.push(...benchBuildMemory());
  }
  report(rows);
  if (memory.length > 0) reportMemory(memory);
} finally {
  rmSync(BENCH_DIR, { recursive: true, force: true });
}
