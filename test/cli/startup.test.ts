/**
 * What a command loads before its first byte moves (issue 16 item 1), counted by a module-load
 * hook in the command's own process, not timed: `--version` loads no parser and no command, a
 * layout `inspect` loads neither zod's classic API nor the memory governor, a warm registry pull
 * no signing code, only undici's client (bundled, without its HTTP/2 half), nor classic zod or the
 * YAML parser, and no
 * command pays for the lazy exports of `node:fs`. Also the two start-up mechanisms of bin/ocikit.js: the compile cache is written and
 * read back, and in a checkout the bundle runs only while it is newer than its sources. A
 * registry command keeps undici's HTTP parser in V8's baseline WebAssembly tier.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import {
  copyFile,
  cp,
  mkdir,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';

const REPO = resolve(import.meta.dirname, '../..');
const execFileAsync = promisify(execFile);

/**
 * A preload (CommonJS, so that it loads no ES module namespace of its own) that records every
 * module URL the command loads and Node's list of built-in modules, into $STARTUP_LOG at exit.
 */
const HOOK = `
const { registerHooks } = require('node:module');
const { writeFileSync } = require('node:fs');
const urls = new Set();
registerHooks({ load(url, context, next) { urls.add(url); return next(url, context); } });
process.on('exit', () => {
  writeFileSync(process.env.STARTUP_LOG, JSON.stringify({ urls: [...urls], builtins: process.moduleLoadList }));
});
`;

/** What one command run loaded. */
interface Loaded {
  /** Module URLs (files of the bundle, of node_modules, and built-ins). */
  urls: string[];
  /** Node's internal list: `NativeModule fs`, `Internal Binding fs`, ... */
  builtins: string[];
}

describe('what a command loads at start-up', () => {
  const makeDir = suiteScratch(after, 'ocikit-startup-');
  let dir: string;
  let pkg: string;
  let hook: string;
  let layout: string;
  let registry: RunningRegistry;

  /** Runs `node [--require HOOK] PKG/bin/ocikit.js args` and returns what it loaded. */
  const loads = async (bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Loaded> => {
    const log = join(dir, 'load.json');
    await rm(log, { force: true });
    await run(process.execPath, ['--require', hook, bin, ...args], { env: { ...env, STARTUP_LOG: log } });
    return JSON.parse(await readFile(log, 'utf8')) as Loaded;
  };
  const bundleFiles = (loaded: Loaded): string[] =>
    loaded.urls.filter((url) => url.startsWith(`file://${pkg}/dist/ocikit/`));
  const bundleBytes = async (loaded: Loaded): Promise<number> => {
    let total = 0;
    for (const url of bundleFiles(loaded)) total += (await stat(new URL(url))).size;
    return total;
  };

  before(async () => {
    dir = await makeDir();
    // The package as installed: package.json, bin/ and the bundle, no sources.
    pkg = join(dir, 'pkg');
    await mkdir(join(pkg, 'bin'), { recursive: true });
    await copyFile(join(REPO, 'package.json'), join(pkg, 'package.json'));
    await copyFile(join(REPO, 'bin/ocikit.js'), join(pkg, 'bin/ocikit.js'));
    await symlink(join(REPO, 'node_modules'), join(pkg, 'node_modules'));
    execFileSync(process.execPath, [join(REPO, 'scripts/bundle-cli.ts'), join(pkg, 'dist/ocikit')], {
      stdio: 'inherit',
    });
    hook = join(dir, 'hook.cjs');
    await writeFile(hook, HOOK);
    const tree = join(dir, 'tree');
    await mkdir(tree);
    await writeFile(join(tree, 'hello.txt'), 'hello\n');
    layout = join(dir, 'layout');
    const bin = join(pkg, 'bin/ocikit.js');
    await run(process.execPath, [bin, 'append', 'scratch', tree, '-t', `oci:${layout}:img`]);
    registry = await startRegistry();
    await run(process.execPath, [bin, 'copy', '-q', `oci:${layout}:img`, `${registry.host}/startup/img:1`]);
    await run(process.execPath, [
      bin,
      'copy',
      '-q',
      `${registry.host}/startup/img:1`,
      `oci:${dir}/pulled:img`,
    ]);
  });
  after(() => registry?.stop());

  test('--version loads no parser, no command, and none of the modules behind node:fs', async () => {
    const loaded = await loads(join(pkg, 'bin/ocikit.js'), ['--version']);
    // bin/ocikit.js answers by itself (main.mjs too, when run directly, loads only a few small
    // chunks); commander alone would add 56 KB and node:child_process.
    assert.ok(bundleFiles(loaded).length <= 8, bundleFiles(loaded).join('\n'));
    assert.ok((await bundleBytes(loaded)) < 20_000, `${await bundleBytes(loaded)} bytes`);
    for (const builtin of [
      'NativeModule child_process',
      'NativeModule internal/fs/promises',
      'NativeModule internal/readline/interface',
      'NativeModule crypto',
    ]) {
      assert.ok(!loaded.builtins.includes(builtin), `${builtin} is not loaded`);
    }
  });

  test('inspect of a layout loads zod/mini only, not the classic zod nor the memory governor nor node:child_process', async () => {
    const loaded = await loads(join(pkg, 'bin/ocikit.js'), ['inspect', `oci:${layout}:img`]);
    for (const url of bundleFiles(loaded)) {
      const map = JSON.parse(await readFile(new URL(`${url}.map`), 'utf8')) as { sources: string[] };
      const classic = map.sources.filter((source) => /node_modules\/zod\/(v4\/)?classic\//.test(source));
      assert.deepEqual(classic, [], `${url} bundles ${classic.join(', ')}`);
    }
    // Measured 230 KB (commander 56 KB, zod/mini 35 KB); with the classic API shared it was 714 KB.
    assert.ok((await bundleBytes(loaded)) < 400_000, `${await bundleBytes(loaded)} bytes`);
    // The governor (and node:v8, node:vm) is loaded only once buffers pile up.
    assert.ok(!loaded.builtins.includes('NativeModule v8'), 'node:v8 is not loaded');
    assert.ok(!loaded.builtins.includes('NativeModule vm'), 'node:vm is not loaded');
    // commander's child_process (with net and dgram) loads only to run a subcommand executable.
    assert.ok(!loaded.builtins.includes('NativeModule child_process'), 'node:child_process is not loaded');
  });

  test('a warm registry pull loads no private-key or cipher code, only the client parts of undici (bundled), no node:http2 or node:tls over plain HTTP, nor classic zod or yaml', async () => {
    const loaded = await loads(join(pkg, 'bin/ocikit.js'), [
      'copy',
      '-q',
      `${registry.host}/startup/img:1`,
      `oci:${dir}/pulled:img`,
    ]);
    // undici's client files are in the bundle: none is resolved from node_modules at run time.
    assert.deepEqual(
      loaded.urls.filter((url) => url.includes('/node_modules/undici/')),
      [],
    );
    // undici's HTTP/2 client (with node:http2 and node:tls) is evaluated only for an HTTP/2 connection.
    for (const builtin of ['NativeModule http2', 'NativeModule tls']) {
      assert.ok(!loaded.builtins.includes(builtin), `${builtin} is not loaded`);
    }
    assert.deepEqual(
      loaded.urls.filter((url) => /\/(zod-classic\.m?js|node_modules\/(yaml|zod)\/.*)$/.test(url)),
      [],
    );
    for (const url of bundleFiles(loaded)) {
      const map = JSON.parse(await readFile(new URL(`${url}.map`), 'utf8')) as { sources: string[] };
      // registries.conf is validated with zod/mini, and yaml is read only when a registries.d file exists.
      const unwanted = map.sources.filter((source) =>
        /node_modules\/(@noble\/ciphers|yaml)\/|node_modules\/undici\/(index(-fetch)?\.js|lib\/(web\/websocket|web\/cache|mock|cache|interceptor)\/)|node_modules\/zod\/(v4\/)?classic\/|src\/trust\/keys\/(encrypted-envelope|private-key|generate)\.ts$/.test(
          source,
        ),
      );
      assert.deepEqual(unwanted, [], `${url} bundles ${unwanted.join(', ')}`);
    }
  });

  test("a registry command never compiles undici's HTTP parser with TurboFan, and NODE_DEBUG=undici still logs its connections", async () => {
    // V8 prints each WebAssembly function it compiles and with which compiler; a cold pull used to
    // end with llhttp's main function compiled again by TurboFan (70 ms of a background thread).
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [
        '--trace-wasm-compilation-times',
        join(pkg, 'bin/ocikit.js'),
        'copy',
        '-q',
        `${registry.host}/startup/img:1`,
        `oci:${dir}/cold-pull:img`,
      ],
      { env: { ...process.env, NODE_DEBUG: 'undici' } },
    );
    assert.match(stdout, /using Liftoff/);
    assert.doesNotMatch(stdout, /using (TurboFan|Turboshaft)/);
    assert.match(stderr, /connecting to 127\.0\.0\.1/);
  });

  test('the compile cache is written by the first run and accepted by the next', async () => {
    const cache = join(dir, 'compile-cache');
    const env = { NODE_COMPILE_CACHE: cache };
    await run(process.execPath, [join(pkg, 'bin/ocikit.js'), 'inspect', `oci:${layout}:img`], { env });
    assert.ok((await readdir(cache, { recursive: true })).length > 0, 'the cache folder has entries');
    const { stderr } = await execFileAsync(
      process.execPath,
      [join(pkg, 'bin/ocikit.js'), 'inspect', `oci:${layout}:img`],
      { env: { ...process.env, ...env, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' }, encoding: 'utf8' },
    );
    assert.match(stderr, /code cache for ESM file:\/\/\S+\/dist\/ocikit\/main\.mjs was accepted/);
  });

  test('in a checkout, the bundle runs only while every source it was made from is older', async () => {
    const checkout = join(dir, 'checkout');
    await mkdir(join(checkout, 'bin'), { recursive: true });
    await copyFile(join(REPO, 'package.json'), join(checkout, 'package.json'));
    await copyFile(join(REPO, 'bin/ocikit.js'), join(checkout, 'bin/ocikit.js'));
    await symlink(join(REPO, 'node_modules'), join(checkout, 'node_modules'));
    await cp(join(REPO, 'src'), join(checkout, 'src'), { recursive: true });
    // Sources older than the bundle, as after `npm run build`.
    const past = new Date(Date.now() - 3600_000);
    for (const file of await readdir(join(checkout, 'src'), { recursive: true })) {
      await utimes(join(checkout, 'src', file), past, past);
    }
    await cp(join(pkg, 'dist'), join(checkout, 'dist'), { recursive: true });
    const bin = join(checkout, 'bin/ocikit.js');
    const entry = (loaded: Loaded): string | undefined =>
      loaded.urls.find((url) => /\/(dist\/ocikit\/main\.mjs|src\/cli\/main\.ts)$/.test(url));

    assert.match(entry(await loads(bin, ['tag', '--help'])) ?? '', /dist\/ocikit\/main\.mjs$/);

    // A source file edited after the build: the stale bundle is not run.
    const edited = join(checkout, 'src/cli/output.ts');
    const future = new Date(Date.now() + 3600_000);
    await utimes(edited, future, future);
    assert.match(entry(await loads(bin, ['tag', '--help'])) ?? '', /src\/cli\/main\.ts$/);
    await utimes(edited, past, past);
    assert.match(entry(await loads(bin, ['tag', '--help'])) ?? '', /dist\/ocikit\/main\.mjs$/);

    // A bundle without its list of sources cannot be checked: the sources run.
    await rm(join(checkout, 'dist/ocikit/sources.json'));
    assert.match(entry(await loads(bin, ['tag', '--help'])) ?? '', /src\/cli\/main\.ts$/);
  });
});
