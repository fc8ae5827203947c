#!/usr/bin/env node
// Entry point of the `ocikit` command. It checks the Node.js version before it loads anything
// (package.json `engines`, and the library's own check in src/errors/node-version.ts): on an
// older Node the user reads why, not a SyntaxError from inside a bundle.
//
// Then an installed package runs the bundled dist/ocikit/ (see scripts/bundle-cli.ts). In a
// development checkout (src/ present), the bundle is used only when it is newer than every source
// file, so a stale build never runs; otherwise Node (>= 22.18) runs the TypeScript directly.

const MINIMUM = [22, 15];
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);

if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
  process.stderr.write(`ocikit: needs Node >= ${MINIMUM.join('.')} (this is ${process.version})\n`);
  process.exitCode = 1;
} else {
  await start();
}

async function start() {
  const { existsSync, readdirSync, statSync } = await import('node:fs');
  const { default: module } = await import('node:module');
  const { fileURLToPath } = await import('node:url');

  const compiled = new URL('../dist/ocikit/main.js', import.meta.url);
  const source = new URL('../src/cli/main.ts', import.meta.url);

  const newestSourceTime = (dir) => {
    let newest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      newest = Math.max(newest, entry.isDirectory() ? newestSourceTime(path) : statSync(path).mtimeMs);
    }
    return newest;
  };

  const useCompiled = () => {
    if (!existsSync(source)) return true;
    if (!existsSync(compiled)) return false;
    return statSync(compiled).mtimeMs >= newestSourceTime(fileURLToPath(new URL('../src', import.meta.url)));
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
