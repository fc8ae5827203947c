/**
 * The build context as COPY sees it (BuildKit's rules): sources resolve inside the context only —
 * `../x` and `/x` name `x` at its root, and a symlink is followed with the context as `/`, so no
 * byte outside the context is ever read (security tests below) — wildcards match as Go's
 * filepath.Match, a directory's contents are copied rather than the directory, symlinks inside a
 * copied directory stay symlinks, and .dockerignore hides what it excludes.
 */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { goMatch } from '../../src/build/context/match.ts';
import { build } from '../../src/build/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { buildIn, listImage, writeTree } from './engine-helpers.ts';

test('wildcards follow Go filepath.Match', () => {
  const cases: [string, string, boolean][] = [
    ['*.txt', 'a.txt', true],
    ['*.txt', 'dir/a.txt', false],
    ['*/a.txt', 'dir/a.txt', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['[ab].md', 'b.md', true],
    ['[^ab].md', 'b.md', false],
    ['[!ab].md', '!.md', true],
    ['[a-c]x', 'bx', true],
    ['[a-c]x', 'dx', false],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['a*b*c', 'aXbYc', true],
    ['a*b', 'ab/b', false],
    ['*', '', true],
    ['[', 'a', false],
    ['a[', 'a[', false],
    ['[x-]', 'x', false],
    ['**', 'a', true],
    ['héllo*', 'héllo wörld', true],
    ['?', 'é', true],
  ];
  for (const [pattern, name, expected] of cases) {
    assert.equal(goMatch(pattern, name), expected, `${pattern} vs ${name}`);
  }
});

test('security: ../ and absolute sources stay inside the context', async (t) => {
  const outside = await scratch(t);
  await writeFile(join(outside, 'secret'), 'outside the context\n');
  const { layout } = await buildIn(
    t,
    'FROM scratch\nCOPY ../secret /up\nCOPY /secret /abs\nCOPY sub/../../../secret /deep\n',
    { secret: 'inside the context\n' },
    { contextDir: join(outside, 'ctx') },
  );
  const layers = await listImage(layout);
  assert.deepEqual(layers, [['- 0644 0:0 19 up'], ['- 0644 0:0 19 abs'], ['- 0644 0:0 19 deep']]);
});

test('security: a symlink pointing out of the context resolves inside it, never to the host file', async (t) => {
  // The host file sits right beside the context, where `../hostfile` from its root would land,
  // and at the host's root level of the scratch folder, where `../../../../hostfile` would.
  const outside = await scratch(t);
  const context = join(outside, 'context');
  await writeFile(join(outside, 'hostfile'), 'host secret\n');
  const depth = outside.split('/').filter(Boolean).length;
  const files = {
    'rel-link': { symlink: '../hostfile' },
    'abs-link': { symlink: join(outside, 'hostfile') },
    'escape-dir': { symlink: `${'../'.repeat(depth + 1)}${outside.slice(1)}` },
  };
  // With nothing at the context's own /hostfile, every such source is missing.
  for (const source of ['rel-link', 'abs-link', 'escape-dir/hostfile']) {
    await rm(context, { recursive: true, force: true });
    await assert.rejects(
      buildIn(t, `FROM scratch\nCOPY ${source} /x\n`, files, { contextDir: context }),
      (err: unknown) => isOciError(err, 'NOT_FOUND') && /Dockerfile:2:/.test((err as Error).message),
      source,
    );
  }
  // With a file of that name at the context root (and at the context's path inside it), that
  // file (not the host's) is copied.
  await rm(context, { recursive: true, force: true });
  const built = await buildIn(
    t,
    'FROM scratch\nCOPY rel-link /r\nCOPY abs-link /a\nCOPY escape-dir/hostfile /e\n',
    { ...files, hostfile: 'the context copy\n', [`${outside.slice(1)}/hostfile`]: 'the nested copy\n' },
    { contextDir: context },
  );
  const layers = await listImage(built.layout);
  assert.deepEqual(layers, [['- 0644 0:0 17 r'], ['- 0644 0:0 16 a'], ['- 0644 0:0 16 e']]);
});

test('security: a symlink inside a copied directory is copied as a symlink, not followed', async (t) => {
  const outside = await scratch(t);
  await writeFile(join(outside, 'hostfile'), 'host secret\n');
  const { layout } = await buildIn(t, 'FROM scratch\nCOPY dir /dst/\n', {
    'dir/link': { symlink: join(outside, 'hostfile') },
    'dir/file': 'x',
  });
  const [layer] = await listImage(layout);
  assert.deepEqual(layer, [
    'd 0755 0:0 0 dst/',
    '- 0644 0:0 1 dst/file',
    `l 0777 0:0 0 dst/link -> ${join(outside, 'hostfile')}`,
  ]);
});

test('wildcard sources copy every match in order; a wildcard matching nothing is not an error', async (t) => {
  const { layout } = await buildIn(t, 'FROM scratch\nCOPY *.txt [xy].md dir?/ /dst/\nCOPY *.none /empty/\n', {
    'a.txt': 'a',
    'b.txt': 'bb',
    'c.log': 'no',
    'x.md': 'x',
    'z.md': 'no',
    'dir1/in.txt': 'in',
    'dir2/deeper/f': 'f',
  });
  const layers = await listImage(layout);
  assert.deepEqual(layers[0], [
    'd 0755 0:0 0 dst/',
    '- 0644 0:0 1 dst/a.txt',
    '- 0644 0:0 2 dst/b.txt',
    '- 0644 0:0 1 dst/x.md',
    '- 0644 0:0 2 dst/in.txt',
    'd 0755 0:0 0 dst/deeper/',
    '- 0644 0:0 1 dst/deeper/f',
  ]);
  // The empty match still creates its destination directory, as BuildKit does.
  assert.deepEqual(layers[1], ['d 0755 0:0 0 empty/']);
});

test('a directory source copies its contents, keeping modes and making files owned by root', async (t) => {
  const { layout } = await buildIn(t, 'FROM scratch\nCOPY app /srv/app\n', {
    'app/run.sh': { content: '#!/bin/sh\n', mode: 0o755 },
    'app/conf/settings': { content: 'k=v\n', mode: 0o600 },
    'app/empty': { dir: true },
  });
  const [layer] = await listImage(layout);
  assert.deepEqual(layer, [
    'd 0755 0:0 0 srv/',
    'd 0755 0:0 0 srv/app/',
    'd 0755 0:0 0 srv/app/conf/',
    '- 0600 0:0 4 srv/app/conf/settings',
    'd 0755 0:0 0 srv/app/empty/',
    '- 0755 0:0 10 srv/app/run.sh',
  ]);
});

test('.dockerignore hides files from COPY; a ! pattern re-includes; a hidden explicit source is missing', async (t) => {
  const files = {
    '.dockerignore': 'logs\n*.tmp\n!keep.tmp\n',
    'logs/a.log': 'a',
    'x.tmp': 'x',
    'keep.tmp': 'k',
    'src/main.js': 'm',
  };
  const { layout } = await buildIn(t, 'FROM scratch\nCOPY . /app/\n', files);
  const [layer] = await listImage(layout);
  assert.deepEqual(layer, [
    'd 0755 0:0 0 app/',
    '- 0644 0:0 21 app/.dockerignore',
    '- 0644 0:0 26 app/Dockerfile',
    '- 0644 0:0 1 app/keep.tmp',
    'd 0755 0:0 0 app/src/',
    '- 0644 0:0 1 app/src/main.js',
  ]);
  await assert.rejects(
    buildIn(t, 'FROM scratch\nCOPY logs/a.log /x\n', files),
    (err: unknown) =>
      isOciError(err, 'NOT_FOUND') && /Dockerfile:2: .*logs\/a\.log/.test((err as Error).message),
  );
});

test('a context directory named through a symlink is the directory it points to', async (t) => {
  const dir = await scratch(t);
  await writeTree(dir, {
    'real/Dockerfile': 'FROM scratch\nCOPY . /app/\n',
    'real/a.txt': 'a',
    linked: { symlink: 'real' },
  });
  const layout = join(dir, 'layout');
  await build({ context: join(dir, 'linked'), cacheDir: join(dir, 'cache'), tags: [`oci:${layout}:img`] });
  assert.deepEqual(await listImage(layout), [
    ['d 0755 0:0 0 app/', '- 0644 0:0 26 app/Dockerfile', '- 0644 0:0 1 app/a.txt'],
  ]);
});
