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
 *
 * Node's built-in modules are taken with `process.getBuiltinModule` instead of `import` (see
 * {@link lazyBuiltins}), and the sources the bundle was made from are listed in
 * {@link SOURCES_FILE} for bin/ocikit.js's freshness check in a checkout.
 */

import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';

const root = join(import.meta.dirname, '..');
const outdir = process.argv[2] ?? join(root, 'dist', 'ocikit');

/** Beside the bundle: the checkout-relative paths of the source files it was made from, as JSON. */
export const SOURCES_FILE = 'sources.json';

/**
 * `import … from 'node:fs'` makes Node build an ES module namespace of the built-in, which reads
 * every export once, and the lazy ones load their own modules. Measured on Node 24 (internal
 * modules loaded by `import` beyond `process.getBuiltinModule`): node:fs 34 (fs/promises, the
 * streams, readline), node:util 34, node:http 75, node:net 3; every other built-in the code uses
 * 0 or 1. Those four are taken as `process.getBuiltinModule(...)` and read as properties where
 * used, so a command pays only for what it touches (Node >= 22.3; bin/ocikit.js refuses older
 * ones first). The rest stay plain imports: each wrapped built-in becomes a chunk of its own, one
 * more file to load.
 */
const lazyBuiltins: Plugin = {
  name: 'lazy-builtins',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^node:(fs|util|http|net)$/ }, (args) =>
      args.kind === 'import-statement' || args.kind === 'dynamic-import'
        ? { path: args.path, namespace: 'builtin' }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = process.getBuiltinModule(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * The command validates with `zod/mini` only: zod's classic `z` namespace keeps all of zod's core
 * alive (locales, JSON Schema, codecs: about 515 KB) and code splitting would share that chunk with
 * every command that validates a document, so an import of `zod` itself fails the build.
 */
const noZodClassic: Plugin = {
  name: 'no-zod-classic',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^zod$/ }, (args) => ({
      errors: [{ text: `${args.importer} imports zod's classic API: use 'zod/mini'` }],
    }));
  },
};

// Chunk names carry content hashes: clear the folder so no stale chunk ships.
rmSync(outdir, { recursive: true, force: true });
const { metafile } = await build({
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
  metafile: true,
  plugins: [lazyBuiltins, noZodClassic],
  // Bundled CommonJS packages (commander) call `require` for Node's built-ins.
  banner: {
    js: "import { createRequire as __ocikitRequire } from 'node:module'; const require = __ocikitRequire(import.meta.url);",
  },
});
// Only the checkout's own sources: a change to one of them makes the bundle stale.
const sources = Object.keys(metafile.inputs)
  .map((input) => relative(root, join(process.cwd(), input)))
  .filter((path) => path.startsWith('src/'))
  .sort();
writeFileSync(join(outdir, SOURCES_FILE), `${JSON.stringify(sources)}\n`);

// The explorer's pages are files, not modules: beside the bundle's folder, where both the library
// (`dist/explore/`) and the bundled command (`../explore/assets/` from its chunks) look for them.
cpSync(join(root, 'src/explore/assets'), join(outdir, '..', 'explore', 'assets'), { recursive: true });
