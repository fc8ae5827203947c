/**
 * The context a build sees, against a real peer: the files `buildah bud` copies with `COPY . /ctx/`
 * under a .dockerignore are the files our matcher keeps, walking the tree the way a build does
 * (skipping an excluded directory only when mayReinclude says nothing below it can come back).
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { createIgnoreMatcher, readIgnorePatterns } from '../../src/build/ignore/index.ts';
import type { IgnoreMatcher } from '../../src/build/ignore/types.ts';
import { createBuildahStore } from '../helpers/buildah.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';

const FILES = [
  'a.log',
  'keep.log',
  'sub/x.log',
  'build/out.bin',
  'build/include/h.h',
  'build/include/x.tmp',
  'node_modules/p/i.js',
  'web/node_modules/q/i.js',
  'web/app.js',
  'docs/README.md',
  'docs/guide.md',
  'src/a.ts',
  'src/a.test.ts',
  'src/deep/b.test.ts',
  'src/deep/b.ts',
  '1.txt',
  '12.txt',
  'tmp5/f',
  'tmpx/f',
  'abs/f',
  'sub/f',
  'vendor/lib/x',
  'vendor/keep/y',
  'README',
  '.hidden',
  'odd name/é.txt',
  'lib/x.py',
  'lib/x.pyc',
];

const DOCKERIGNORE = `# build output
*.log
!keep.log
build
!build/include
build/include/*.tmp
**/node_modules
docs/*
!docs/README.md
src/**/*.test.ts
?.txt
tmp[0-9]
/abs
sub/
vendor/**
!vendor/keep/**
**/*.pyc
  odd name/
`;

/** Regular files below `root` (relative, sorted), as a build would send them. */
async function keptFiles(root: string, matcher: IgnoreMatcher, dir = ''): Promise<string[]> {
  const kept: string[] = [];
  for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (matcher.ignores(path) && !matcher.mayReinclude(path)) continue;
      kept.push(...(await keptFiles(root, matcher, path)));
    } else if (!matcher.ignores(path)) kept.push(path);
  }
  return kept;
}

async function allFiles(root: string, dir = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await allFiles(root, path)));
    else files.push(path);
  }
  return files;
}

test('the files buildah copies from a context are the files the matcher keeps', async (t) => {
  const root = await scratch(t, 'ocikit-ignore-peer-');
  const context = join(root, 'ctx');
  for (const file of FILES) {
    await mkdir(join(context, dirname(file)), { recursive: true });
    await writeFile(join(context, file), file);
  }
  await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY . /ctx/\n');
  await writeFile(join(context, '.dockerignore'), DOCKERIGNORE);

  const store = await createBuildahStore(join(root, 'buildah'));
  const out = join(root, 'out');
  await run(
    'buildah',
    [
      ...store.globalArgs,
      'bud',
      '--signature-policy',
      store.policy,
      '--output',
      `type=local,dest=${out}`,
      context,
    ],
    { env: store.env },
  );

  const ours = await keptFiles(context, createIgnoreMatcher(await readIgnorePatterns(context)));
  const theirs = await allFiles(join(out, 'ctx'));
  assert.deepEqual(ours.sort(), theirs.sort());
  // The comparison is not vacuous: some files went and some exceptions came back.
  assert.ok(ours.length < FILES.length);
  for (const back of ['keep.log', 'build/include/h.h', 'docs/README.md', 'vendor/keep/y']) {
    assert.ok(ours.includes(back), back);
  }
});
