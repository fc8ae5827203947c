#!/usr/bin/env node
// Entry point of the `ocikit` command. It checks the Node.js version before it loads anything
// (package.json `engines`, and the library's own check in src/errors/node-version.ts): on an
// older Node the user reads why, not a SyntaxError from inside a bundle.
//
// Then an installed package runs the bundled dist/ocikit/ (see scripts/bundle-cli.ts). In a
// development checkout (src/ present), the bundle is used only when it is newer than every source
// file it was made from (listed in dist/ocikit/sources.json), so a stale build never runs;
// otherwise Node (>= 22.18) runs the TypeScript directly.
//
// Built-ins come from process.getBuiltinModule: `import('node:fs')` would read every export of
// node:fs, loading fs/promises, the streams and readline for nothing.

const MINIMUM = [22, 15];
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);

if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
  process.stderr.write(`ocikit: needs Node >= ${MINIMUM.join('.')} (this is ${process.version})\n`);
  process.exitCode = 1;
} else if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  // Answered here, before any module of the command loads (src/cli/version.ts says the same).
  const { readFileSync } = process.getBuiltinModule('node:fs');
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  await start();
}

async function start() {
  const { readFileSync, statSync } = process.getBuiltinModule('node:fs');
  const module = process.getBuiltinModule('node:module');

  const compiled = new URL('../dist/ocikit/main.mjs', import.meta.url);
  const source = new URL('../src/cli/main.ts', import.meta.url);
  const modified = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs;

  /** True when every source file the bundle was made from is older than the bundle. */
  const bundleIsFresh = (built) => {
    let sources;
    try {
      sources = JSON.parse(readFileSync(new URL('../dist/ocikit/sources.json', import.meta.url), 'utf8'));
    } catch {
      return false; // a bundle from before the list existed, or a broken one: run the sources
    }
    for (const path of sources) {
      const time = modified(new URL(`../${path}`, import.meta.url));
      if (time === undefined || time > built) return false;
    }
    return true;
  };

  const useCompiled = () => {
    if (modified(source) === undefined) return true;
    const built = modified(compiled);
    return built !== undefined && bundleIsFresh(built);
  };

  // Most of a short command's time is compiling modules: keep V8's code cache on disk (Node >= 22.1).
  module.enableCompileCache?.();

  if (useCompiled()) {
    await import(compiled.href);
    return;
  }
  if (major === 22 && minor < 18) {
    process.stderr.write(
      `ocikit: running from source needs Node >= 22.18 (this is ${process.version}); run \`npm run build\` first\n`,
    );
    process.exitCode = 1;
    return;
  }
  await import(source.href);
}
