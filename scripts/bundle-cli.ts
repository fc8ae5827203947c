/**
 * Bundles the `ocikit` command into `dist/ocikit/` (or the folder given as the first argument):
 * `main.mjs`, one chunk per lazily loaded command and transport, `rootless-worker.mjs` for rootless
 * RUN steps, and `gzip-worker.mjs` for the compression threads. A short command's time is mostly Node's module loader resolving and
 * evaluating hundreds of small files (measured: 259 modules for a registry pull, about 40 ms);
 * one bundle tree-shaken by esbuild loads a handful. The library itself (`dist/<module>/`) stays
 * unbundled, file per module, for its consumers' own bundlers.
 *
 * The parts of undici the registry client uses are bundled ({@link bundledUndici}); its HTTP/2
 * client, which loads `node:http2` and `node:tls`, is evaluated only when a connection negotiates
 * HTTP/2 ({@link lazyHttp2Client}). The package keeps undici as a dependency for the library.
 *
 * Node's built-in modules are taken with `process.getBuiltinModule` instead of `import` (see
 * {@link lazyBuiltins}), and the sources the bundle was made from are listed in
 * {@link SOURCES_FILE} for bin/ocikit.js's freshness check in a checkout.
 */

import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
 * commander requires `node:child_process` when it loads, for the one call that runs a subcommand
 * as its own executable, which ocikit never registers; loading it (with `net`, `dgram` and the
 * stream internals it pulls in) cost every command about 3 ms. commander's `require` gets a
 * stand-in whose `spawn` loads the real module on first use.
 */
const lazyChildProcessForCommander: Plugin = {
  name: 'lazy-child-process-for-commander',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.kind === 'require-call' && /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'child_process', namespace: 'lazy-child-process' }
        : undefined,
    );
    pluginBuild.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents:
        "module.exports = { spawn: (...args) => process.getBuiltinModule('node:child_process').spawn(...args) };",
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

/**
 * src/transports/registry/undici-core.ts loads undici's internal files by path through
 * `createRequire`, which the library needs (no `import 'undici'` of the whole package); in the
 * bundle those loads become `require` calls that esbuild follows, so the dozens of CommonJS files
 * are in a chunk instead of resolved one by one under node_modules on every run (measured: a warm
 * registry pull opened 27 of them, with a package.json lookup for each).
 */
const bundledUndici: Plugin = {
  name: 'bundled-undici',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /[\\/]src[\\/]transports[\\/]registry[\\/]undici-core\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const bundled = source.replaceAll("load('undici/", "require('undici/");
      // Any load left would be undici's file read from node_modules beside the bundled copy.
      if (bundled === source || /\bload\(/.test(bundled)) {
        throw new Error(`${args.path}: every undici file must be loaded as load('undici/...')`);
      }
      return { contents: bundled, loader: 'ts' };
    });
  },
};

/**
 * undici's HTTP/1 client requires its HTTP/2 client at load time, and that one requires
 * `node:http2` (and with it `node:tls`): about 20 ms of every registry command, plain HTTP
 * included. The bundle gets a stand-in that requires the real module on its first call, which
 * only a connection that negotiated HTTP/2 makes.
 */
const lazyHttp2Client: Plugin = {
  name: 'lazy-http2-client',
  setup(pluginBuild) {
    const h2Client = /undici[\\/]lib[\\/]dispatcher[\\/]client-h2\.js$/;
    // Only undici's own file: the real module, loaded below under its own namespace, must not be
    // replaced by the stand-in a second time.
    pluginBuild.onLoad({ filter: h2Client, namespace: 'file' }, () => ({
      contents:
        `let connect;\n` +
        `module.exports = function connectH2(client, socket) {\n` +
        `  connect ??= require('./client-h2.js?evaluated-on-first-use');\n` +
        `  return connect(client, socket);\n` +
        `};\n`,
      loader: 'js',
    }));
    // A neutral name: the bundle and its source maps keep it, and no machine path.
    pluginBuild.onResolve({ filter: /\?evaluated-on-first-use$/ }, (args) => ({
      path: H2_CLIENT_NAME,
      namespace: 'first-use',
      pluginData: join(args.resolveDir, args.path.replace(/\?evaluated-on-first-use$/, '')),
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'first-use' }, (args) => ({
      contents: readFileSync(args.pluginData as string, 'utf8'),
      loader: 'js',
      resolveDir: dirname(args.pluginData as string),
    }));
  },
};

/** The module name the real HTTP/2 client has in the bundle. */
const H2_CLIENT_NAME = 'undici/lib/dispatcher/client-h2.js';

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
  // `.mjs`: Node's loader knows the format from the name, where a `.js` file sends it up the
  // folders to the nearest package.json for each chunk (measured: 3-6 ms of a 70 ms `inspect`).
  outExtension: { '.js': '.mjs' },
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
  plugins: [lazyBuiltins, lazyChildProcessForCommander, noZodClassic, bundledUndici, lazyHttp2Client],
  // Bundled CommonJS packages (commander) call `require` for Node's built-ins.
  banner: {
    js: "import { createRequire as __ocikitRequire } from 'node:module'; const require = __ocikitRequire(import.meta.url);",
  },
});
// The stand-in must have pulled the real HTTP/2 client in (a stand-in requiring itself would only
// fail when a connection negotiates HTTP/2).
const h2Input = metafile.inputs[`first-use:${H2_CLIENT_NAME}`];
if (h2Input === undefined || h2Input.bytes < 10_000) {
  throw new Error(`the bundle lacks undici's HTTP/2 client (${H2_CLIENT_NAME})`);
}

// Only the checkout's own sources: a change to one of them makes the bundle stale.
const sources = Object.keys(metafile.inputs)
  .map((input) => relative(root, join(process.cwd(), input)))
  .filter((path) => path.startsWith('src/'))
  .sort();
writeFileSync(join(outdir, SOURCES_FILE), `${JSON.stringify(sources)}\n`);

// The explorer's pages are files, not modules: beside the bundle's folder, where both the library
// (`dist/explore/`) and the bundled command (`../explore/assets/` from its chunks) look for them.
cpSync(join(root, 'src/explore/assets'), join(outdir, '..', 'explore', 'assets'), { recursive: true });
