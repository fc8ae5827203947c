#!/usr/bin/env node
// Entry point of the `ocikit` command. An installed package runs the bundled dist/ocikit/ (see
// scripts/bundle-cli.ts). In a development checkout (src/ present), the bundle is used only when it
// is newer than every source file, so a stale build never runs; otherwise Node (>= 22.18) runs
// the TypeScript directly.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/ocikit/main.js', import.meta.url);
const source = new URL('../src/cli/main.ts', import.meta.url);

function newestSourceTime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestSourceTime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function useCompiled() {
  if (!existsSync(source)) return true;
  if (!existsSync(compiled)) return false;
  return statSync(compiled).mtimeMs >= newestSourceTime(fileURLToPath(new URL('../src', import.meta.url)));
}

// Most of a short command's time is compiling modules: keep V8's code cache on disk (Node >= 22.1).
module.enableCompileCache?.();

if (useCompiled()) await import(compiled.href);
else {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 18)) {
    process.stderr.write(
      `ocikit: running from source needs Node >= 22.18 (this is ${process.version}); run \`npm run build\` first\n`,
    );
    process.exit(1);
  }
  await import(source.href);
}
