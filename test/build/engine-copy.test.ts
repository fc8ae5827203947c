/**
 * COPY and ADD as BuildKit places files: destination rules (a trailing `/` makes a directory, a
 * relative destination starts at WORKDIR, several sources need a directory, symlinks in the
 * stage are followed inside it), `--chown` (numbers, or names from the stage's own /etc/passwd
 * and /etc/group), `--chmod` (octal or symbolic), `--exclude`, `--parents`, `--link`, heredoc
 * sources, hard links, and ADD unpacking local tar archives.
 */
import assert from 'node:assert/strict';
import { link, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { buildIn, listImage, readImage, writeTree } from './engine-helpers.ts';

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n';
const GROUP = 'root:x:0:\nstaff:x:50:\napp:x:1001:\n';

test('destination rules: file, directory with /, WORKDIR-relative, into an existing directory', async (t) => {
  const { layout } = await buildIn(
    t,
    [
      'FROM scratch',
      'COPY a.txt /file',
      'COPY a.txt /dir/',
      'WORKDIR /w',
      'COPY a.txt rel/',
      'COPY a.txt .',
      'COPY a.txt /dir',
      '',
    ].join('\n'),
    { 'a.txt': 'a' },
  );
  const layers = await listImage(layout);
  assert.deepEqual(layers, [
    ['- 0644 0:0 1 file'],
    ['d 0755 0:0 0 dir/', '- 0644 0:0 1 dir/a.txt'],
    ['d 0755 0:0 0 w/'],
    ['d 0755 0:0 0 w/', 'd 0755 0:0 0 w/rel/', '- 0644 0:0 1 w/rel/a.txt'],
    ['d 0755 0:0 0 w/', '- 0644 0:0 1 w/a.txt'],
    ['d 0755 0:0 0 dir/', '- 0644 0:0 1 dir/a.txt'],
  ]);
});

test('several sources need a destination directory ending in / (an existing directory also does)', async (t) => {
  const files = { 'a.txt': 'a', 'b.txt': 'b' };
  await assert.rejects(
    buildIn(t, 'FROM scratch\nCOPY a.txt b.txt /dst\n', files),
    (err: unknown) =>
      isOciError(err, 'INVALID_ARGUMENT') &&
      /^Dockerfile:2: When using COPY with more than one source file, the destination must be a directory and end with a \//.test(
        (err as Error).message,
      ),
  );
  await assert.rejects(buildIn(t, 'FROM scratch\nCOPY *.txt /dst\n', files), (err: unknown) =>
    isOciError(err, 'INVALID_ARGUMENT'),
  );
  const { layout } = await buildIn(t, 'FROM scratch\nCOPY a.txt /dst/\nCOPY *.txt /dst\n', files);
  assert.deepEqual((await listImage(layout))[1], [
    'd 0755 0:0 0 dst/',
    '- 0644 0:0 1 dst/a.txt',
    '- 0644 0:0 1 dst/b.txt',
  ]);
});

test('a destination through a symlink of the stage lands where the symlink points', async (t) => {
  const { layout } = await buildIn(t, 'FROM scratch\nCOPY root/ /\nCOPY tool /bin/\n', {
    'root/bin': { symlink: 'usr/bin' },
    'root/usr/bin/sh': 'sh',
    tool: 'tool',
  });
  const layers = await listImage(layout);
  assert.deepEqual(layers[1], ['d 0755 0:0 0 usr/', 'd 0755 0:0 0 usr/bin/', '- 0644 0:0 4 usr/bin/tool']);
});

test('security: destinations through symlinks of the stage that point out of its root stay inside it', async (t) => {
  const { layout } = await buildIn(t, 'FROM scratch\nCOPY root/ /\nCOPY tool /up/\nCOPY tool /abs/sub/t\n', {
    'root/up': { symlink: '../../../../../../outside' },
    'root/abs': { symlink: '/etc/../../../target' },
    'root/loop': { symlink: 'loop' },
    tool: 'tool',
  });
  const layers = await listImage(layout);
  assert.deepEqual(layers.slice(1), [
    ['d 0755 0:0 0 outside/', '- 0644 0:0 4 outside/tool'],
    ['d 0755 0:0 0 target/', 'd 0755 0:0 0 target/sub/', '- 0644 0:0 4 target/sub/t'],
  ]);
  await assert.rejects(
    buildIn(t, 'FROM scratch\nCOPY root/ /\nCOPY tool /loop/x\n', {
      'root/loop': { symlink: 'loop' },
      tool: 't',
    }),
    (err: unknown) => isOciError(err, 'INVALID_ARGUMENT') && /^Dockerfile:3: /.test((err as Error).message),
  );
});

test('a file may not replace a directory, nor a directory a file', async (t) => {
  await assert.rejects(
    buildIn(t, 'FROM scratch\nCOPY d /x/d/\nCOPY f /x/d\n', { 'd/in': 'i', f: 'f' }).then(async (b) => {
      // COPY f /x/d goes *into* the directory, so this one succeeds:
      assert.deepEqual((await listImage(b.layout))[1], [
        'd 0755 0:0 0 x/',
        'd 0755 0:0 0 x/d/',
        '- 0644 0:0 1 x/d/f',
      ]);
      return buildIn(t, 'FROM scratch\nCOPY d /x/\nCOPY e /x/\n', { 'd/in/z': 'z', 'e/in': 'file' });
    }),
    (err: unknown) =>
      isOciError(err, 'INVALID_ARGUMENT') &&
      /Dockerfile:3: cannot replace to directory \/x\/in with file/.test((err as Error).message),
  );
  await assert.rejects(
    buildIn(t, 'FROM scratch\nCOPY e /x/\nCOPY d /x/\n', { 'd/in/z': 'z', 'e/in': 'file' }),
    (err: unknown) => /Dockerfile:3: cannot copy to non-directory: \/x\/in/.test((err as Error).message),
  );
});

test('--chown takes numbers (gid = uid), or names from the stage’s passwd and group files', async (t) => {
  const { layout } = await buildIn(
    t,
    [
      'FROM scratch',
      'COPY etc/ /etc/',
      'COPY --chown=42 f /n/',
      'COPY --chown=app f /u/',
      'COPY --chown=app:staff f /ug/',
      'COPY --chown=7:app f /ng/',
      '',
    ].join('\n'),
    { 'etc/passwd': PASSWD, 'etc/group': GROUP, f: 'f' },
  );
  const layers = await listImage(layout);
  assert.deepEqual(layers.slice(1), [
    ['d 0755 42:42 0 n/', '- 0644 42:42 1 n/f'],
    ['d 0755 1000:1001 0 u/', '- 0644 1000:1001 1 u/f'],
    ['d 0755 1000:50 0 ug/', '- 0644 1000:50 1 ug/f'],
    ['d 0755 7:1001 0 ng/', '- 0644 7:1001 1 ng/f'],
  ]);
});

test('an unknown --chown user or group fails naming the line', async (t) => {
  const files = { 'etc/passwd': PASSWD, 'etc/group': GROUP, f: 'f' };
  await assert.rejects(
    buildIn(t, 'FROM scratch\nCOPY etc/ /etc/\nCOPY --chown=nobody f /f\n', files),
    (err: unknown) =>
      isOciError(err, 'INVALID_ARGUMENT') &&
      (err as Error).message ===
        'Dockerfile:3: unable to find user nobody: no matching entries in passwd file',
  );
  await assert.rejects(
    buildIn(t, 'FROM scratch\nCOPY etc/ /etc/\nCOPY --chown=app:wheel f /f\n', files),
    (err: unknown) => /Dockerfile:3: unable to find group wheel/.test((err as Error).message),
  );
});

test('--chmod: octal applies to everything copied and to created directories; symbolic applies per file', async (t) => {
  const { layout } = await buildIn(t, 'FROM scratch\nCOPY --chmod=640 d /o/\nCOPY --chmod=u+x,go-r d /s/\n', {
    'd/f': { content: 'f', mode: 0o644 },
    'd/sub/g': { content: 'g', mode: 0o600 },
  });
  const layers = await listImage(layout);
  assert.deepEqual(layers, [
    ['d 0640 0:0 0 o/', '- 0640 0:0 1 o/f', 'd 0640 0:0 0 o/sub/', '- 0640 0:0 1 o/sub/g'],
    ['d 0755 0:0 0 s/', '- 0700 0:0 1 s/f', 'd 0711 0:0 0 s/sub/', '- 0700 0:0 1 s/sub/g'],
  ]);
  await assert.rejects(
    buildIn(t, 'FROM scratch\nCOPY --chmod=10000 d /x/\n', { 'd/f': 'f' }),
    (err: unknown) => /Dockerfile:2: invalid chmod parameter: '10000'/.test((err as Error).message),
  );
});

test('--exclude leaves out matching paths, relative to each copied directory or wildcard', async (t) => {
  const { layout } = await buildIn(
    t,
    'FROM scratch\nCOPY --exclude=*.md --exclude=tmp docs /d/\nCOPY --exclude=*.log *.* /w/\n',
    {
      'docs/a.md': 'a',
      'docs/b.txt': 'b',
      'docs/tmp/x': 'x',
      'docs/sub/c.md': 'c',
      'one.log': '1',
      'two.txt': '2',
    },
  );
  const layers = await listImage(layout);
  assert.deepEqual(layers[0], [
    'd 0755 0:0 0 d/',
    '- 0644 0:0 1 d/b.txt',
    'd 0755 0:0 0 d/sub/',
    '- 0644 0:0 1 d/sub/c.md',
  ]);
  assert.deepEqual(layers[1], ['d 0755 0:0 0 w/', '- 0644 0:0 1 w/two.txt']);
});

test('--parents keeps the source path below the context root, or below a /./ pivot', async (t) => {
  const { layout } = await buildIn(
    t,
    'FROM scratch\nCOPY --parents x/a.txt y/*.js /p/\nCOPY --parents src/./lib/m.js /q/\n',
    {
      'x/a.txt': 'a',
      'x/other': 'o',
      'y/one.js': '1',
      'y/two.css': '2',
      'src/lib/m.js': 'm',
    },
  );
  const layers = await listImage(layout);
  assert.deepEqual(layers, [
    [
      'd 0755 0:0 0 p/',
      'd 0755 0:0 0 p/x/',
      '- 0644 0:0 1 p/x/a.txt',
      'd 0755 0:0 0 p/y/',
      '- 0644 0:0 1 p/y/one.js',
    ],
    ['d 0755 0:0 0 q/', 'd 0755 0:0 0 q/lib/', '- 0644 0:0 1 q/lib/m.js'],
  ]);
  await assert.rejects(buildIn(t, 'FROM scratch\nCOPY --parents nope/a /p/\n', {}), (err: unknown) =>
    isOciError(err, 'NOT_FOUND'),
  );
});

test('--link makes a layer that does not depend on the stage below it', async (t) => {
  const files = { 'app.js': 'console.log(1)\n', other: 'o' };
  const a = await buildIn(t, 'FROM scratch\nCOPY --link app.js /srv/\n', files);
  const b = await buildIn(t, 'FROM scratch\nCOPY other /srv/\nCOPY --link app.js /srv/\n', files, {
    cacheDir: a.cacheDir,
  });
  const first = await readImage(a.layout);
  const second = await readImage(b.layout);
  assert.equal(second.manifest.layers[1].digest, first.manifest.layers[0].digest);
  // Served from the cache although the stage below changed: the key does not stand on it.
  assert.equal(b.result.cachedSteps, 1);
});

test('heredoc sources become files; unquoted delimiters expand variables, quoted ones do not', async (t) => {
  const { layout } = await buildIn(
    t,
    'FROM scratch\nARG NAME=world\nCOPY <<EOF /hello\nhello $NAME "quoted"\nEOF\nCOPY <<"RAW" /raw\n$NAME\nRAW\n',
  );
  const image = await readImage(layout);
  const hello = await run('tar', ['-xzOf', image.layers[0] as string, 'hello']);
  const raw = await run('tar', ['-xzOf', image.layers[1] as string, 'raw']);
  assert.equal(hello, 'hello world "quoted"\n');
  assert.equal(raw, '$NAME\n');
  assert.deepEqual(image.config.history.map((h: { created_by: string }) => h.created_by).slice(1), [
    'COPY <<EOF /hello # buildkit',
    'COPY <<RAW /raw # buildkit',
  ]);
});

test('hard links among copied files stay hard links', async (t) => {
  const dir = await scratch(t);
  await writeTree(dir, { 'd/one': 'same content' });
  await link(join(dir, 'd/one'), join(dir, 'd/two'));
  const { layout } = await buildIn(t, 'FROM scratch\nCOPY d /x/\n', {}, { contextDir: dir });
  const [layer] = await listImage(layout);
  assert.deepEqual(layer, ['d 0755 0:0 0 x/', '- 0644 0:0 12 x/one', 'h 0644 0:0 0 x/two => x/one']);
});

test('ADD unpacks local tar archives (plain, gzip, bzip2, xz, zstd) and copies other files as they are', async (t) => {
  const dir = await scratch(t);
  await writeTree(dir, { 'payload/p/inner.txt': 'inner\n' });
  await mkdir(join(dir, 'ctx'));
  for (const [flags, name] of [
    [[], 'a.tar'],
    [['-z'], 'a.tgz'],
    [['-j'], 'a.tbz'],
    [['-J'], 'a.txz'],
    [['--zstd'], 'a.tzst'],
  ] as const) {
    const archive = join(dir, 'ctx', name);
    await run('tar', [...flags, '--owner=5', '--group=6', '-cf', archive, '-C', join(dir, 'payload'), 'p']);
  }
  await writeFile(join(dir, 'ctx', 'plain.gz.txt'), 'not an archive');
  const { layout } = await buildIn(
    t,
    'FROM scratch\nADD a.tar /t/\nADD a.tgz /z/\nADD a.tbz /b/\nADD a.txz /x/\nADD a.tzst /s\nADD plain.gz.txt /f/\n',
    {},
    { contextDir: join(dir, 'ctx') },
  );
  const layers = await listImage(layout);
  for (const [i, top] of ['t', 'z', 'b', 'x', 's'].entries()) {
    assert.deepEqual(
      layers[i],
      [`d 0755 0:0 0 ${top}/`, `d 0755 5:6 0 ${top}/p/`, `- 0644 5:6 6 ${top}/p/inner.txt`],
      top,
    );
  }
  assert.deepEqual(layers[5], ['d 0755 0:0 0 f/', '- 0644 0:0 14 f/plain.gz.txt']);
});
