/**
 * Bundles the `ocikit` command into `dist/ocikit/` (or the folder given as the first argument):
 * `main.js`, one chunk per lazily loaded command and transport, `rootless-worker.js` for rootless
 * RUN steps, and `gzip-worker.js` for the
 * compression threads. A short command's time is mostly Node's module loader resolving and
 * evaluating hundreds of small files (measured: 259 modules for a registry pull, about 40 ms);
 * one bundle tree-shaken by esbuild loads a handful. The library itself (`dist/<module>/`) stays
 * unbundled, file per module, for its consumers' own bundlers.
 *
 * undici is left to Node's `require` at run time (src/transports/registry/undici-core.ts loads
 * its internal files by path), so the package keeps it as a runtime dependency.
 */

import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const outdir = process.argv[2] ?? join(root, 'dist', 'ocikit');

// Chunk names carry content hashes: clear the folder so no stale chunk ships.
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: {
    main: join(root, 'src/cli/main.ts'),
    // Found next to the chunk that starts the pool, by the name src/compress/worker-pool.ts uses.
    'gzip-worker': join(root, 'src/compress/gzip-worker.ts'),
    // Started as a process inside a user namespace by src/build/run/rootless/rootless-step.ts.
    'rootless-worker': join(root, 'src/build/run/rootless/rootless-worker.ts'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  minifySyntax: true,
  minifyWhitespace: true,
  // The maps ship in the package, so they carry the sources they point to.
  sourcemap: 'linked',
  sourcesContent: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // Bundled CommonJS packages (commander) call `require` for Node's built-ins.
  banner: {
    js: "import { createRequire as __ocikitRequire } from 'node:module'; const require = __ocikitRequire(import.meta.url);",
  },
});

// The explorer's pages are files, not modules: beside the bundle's folder, where both the library
// (`dist/explore/`) and the bundled command (`../explore/assets/` from its chunks) look for them.
cpSync(join(root, 'src/explore/assets'), join(outdir, '..', 'explore', 'assets'), { recursive: true });
