/** Enforces the import direction of DESIGN.md §2: a module imports only from modules before it. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

// Rank of each module in `errors → digest → spec → {reference, platform} → compress, tar → image →
// {mutate, store} → transports → {copy, bundle} → build → cli`; equal ranks may not import each other.
const RANK: Record<string, number> = {
  errors: 0,
  digest: 1,
  spec: 2,
  reference: 3,
  platform: 3,
  compress: 4,
  tar: 5,
  image: 6,
  mutate: 7,
  store: 7,
  transports: 8,
  copy: 9,
  bundle: 9,
  trust: 9,
  build: 10,
  explore: 10,
  serve: 11,
  cli: 12,
};

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function moduleOf(file: string): string {
  return relative(SRC, file).split('/')[0] ?? '';
}

test('every src module has a rank in the import order', async () => {
  for (const entry of await readdir(SRC, { withFileTypes: true })) {
    if (entry.isDirectory()) assert.ok(entry.name in RANK, `src/${entry.name} is not in DESIGN.md §2`);
  }
});

test('imports only go in the direction of DESIGN.md §2', async () => {
  const violations: string[] = [];
  for (const file of await sourceFiles(SRC)) {
    const from = moduleOf(file);
    if (!(from in RANK)) continue; // src/index.ts, the facade, may import everything
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = resolve(dirname(file), match[1] as string);
      const to = moduleOf(target);
      if (to === from || !(to in RANK)) continue;
      if ((RANK[to] as number) >= (RANK[from] as number)) {
        violations.push(`${relative(SRC, file)} imports ${relative(SRC, target)} (${from} → ${to})`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
