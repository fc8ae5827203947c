/**
 * The flattened view (export and diff) is what a real apply produces: owners, modes, links and
 * xattrs, rootless or not, with its temporary root always removed.
 */
import assert from 'node:assert/strict';
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openImage } from '../../src/image/index.ts';
import { diffImages, exportFilesystem, type FlattenOptions } from '../../src/mutate/index.ts';
import { readTar, type TarEntry } from '../../src/tar/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { type HostileEntry, hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeImageLayout } from '../security/fixtures.ts';

interface Exported {
  entry: TarEntry;
  content: string;
}

async function layout(dir: string, name: string, layers: HostileEntry[][]): Promise<string> {
  const path = join(dir, name);
  await writeImageLayout(path, await Promise.all(layers.map((l) => hostileTar(l))));
  return path;
}

/** A layout whose config lists a DiffID its layer does not have. */
async function corruptLayout(dir: string): Promise<string> {
  const path = join(dir, 'corrupt');
  await writeImageLayout(path, [await hostileTar([{ name: 'a', content: 'a\n' }])], {
    configExtra: { rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(64)}`] } },
  });
  return path;
}

async function open(path: string) {
  return openImage(layoutSource(`oci:${path}`), { platform: 'linux/amd64' });
}

async function exported(path: string, options: FlattenOptions = {}): Promise<Map<string, Exported>> {
  const out = new Map<string, Exported>();
  for await (const { entry, body } of readTar(exportFilesystem(await open(path), options))) {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk);
    out.set(entry.path.replace(/\/$/, ''), { entry, content: Buffer.concat(chunks).toString('utf8') });
  }
  return out;
}

function get(map: Map<string, Exported>, path: string): Exported {
  const found = map.get(path);
  assert.ok(found, `${path} is missing from the export: ${[...map.keys()].join(', ')}`);
  return found;
}

const OWNED: HostileEntry[][] = [
  [
    { name: 'etc/', type: 'directory', mode: 0o750, uid: 10, gid: 20 },
    { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n', mode: 0o644, uid: 1000, gid: 1001 },
    { name: 'etc/shadow', content: 'secret\n', mode: 0o040, uid: 0, gid: 42 },
    { name: 'etc/link', type: 'link', linkname: 'etc/passwd' },
    { name: 'etc/sym', type: 'symlink', linkname: '../etc/passwd', uid: 7, gid: 8 },
    { name: 'bin/su', content: 'su\n', mode: 0o4755, uid: 0, gid: 0 },
    { name: 'ro/', type: 'directory', mode: 0o555, uid: 3, gid: 3 },
    { name: 'ro/file', content: 'in a read-only directory\n', mode: 0o444 },
    {
      name: 'bin/ping',
      content: 'ping\n',
      mode: 0o755,
      pax: { 'SCHILY.xattr.user.note': 'capable' },
    },
  ],
];

for (const rootless of [false, true]) {
  test(`export keeps owners, modes, links and xattrs (${rootless ? 'rootless' : 'privileged'} apply)`, async (t) => {
    const dir = await scratch(t, 'ocikit-flatten-');
    const files = await exported(await layout(dir, 'owned', OWNED), { rootless, tempDir: dir });

    const etc = get(files, 'etc').entry;
    assert.deepEqual([etc.type, etc.mode, etc.uid, etc.gid], ['directory', 0o750, 10, 20]);
    // etc/link sorts first: it carries the content, and etc/passwd becomes the hard link to it.
    const first = get(files, 'etc/link');
    assert.deepEqual(
      [first.entry.type, first.entry.mode, first.entry.uid, first.entry.gid],
      ['file', 0o644, 1000, 1001],
    );
    assert.equal(first.content, 'root:x:0:0::/root:/bin/sh\n');
    const shadow = get(files, 'etc/shadow');
    assert.deepEqual([shadow.entry.mode, shadow.entry.gid, shadow.content], [0o040, 42, 'secret\n']);
    const link = get(files, 'etc/passwd').entry;
    assert.deepEqual([link.type, link.linkname, link.uid], ['link', 'etc/link', 1000]);
    const sym = get(files, 'etc/sym').entry;
    assert.deepEqual([sym.type, sym.linkname, sym.uid, sym.gid], ['symlink', '../etc/passwd', 7, 8]);
    assert.equal(get(files, 'bin/su').entry.mode, 0o4755);
    assert.equal(get(files, 'ro').entry.mode, 0o555);
    assert.equal(get(files, 'ro/file').content, 'in a read-only directory\n');
    assert.equal(get(files, 'bin/ping').entry.xattrs.get('user.note')?.toString(), 'capable');
    // Implied parents are root-owned 0755, as an unpack makes them.
    const bin = get(files, 'bin').entry;
    assert.deepEqual([bin.mode, bin.uid, bin.gid], [0o755, 0, 0]);
    assert.deepEqual(await readdir(dir), ['owned'], 'the temporary root is removed');
  });
}

test('export follows whiteouts, opaque directories and replaced parents like an unpack', async (t) => {
  const dir = await scratch(t, 'ocikit-flatten-');
  const path = await layout(dir, 'wh', [
    [
      { name: 'a/', type: 'directory' },
      { name: 'a/old', content: 'old\n' },
      { name: 'b/', type: 'directory' },
      { name: 'b/gone', content: 'gone\n' },
      { name: 'c/', type: 'directory' },
      { name: 'c/child', content: 'child\n' },
    ],
    [
      { name: 'a/.wh..wh..opq', content: '' },
      { name: 'a/new', content: 'new\n' },
      { name: 'b/.wh.gone', content: '' },
      { name: 'c', content: 'now a file\n' },
    ],
  ]);
  const files = await exported(path, { tempDir: dir });
  assert.deepEqual([...files.keys()].sort(), ['a', 'a/new', 'b', 'c']);
  assert.equal(get(files, 'c').content, 'now a file\n');
});

test('rootless: owners follow the inode written through a symlinked parent, not the lexical name', async (t) => {
  const dir = await scratch(t, 'ocikit-flatten-');
  const path = await layout(dir, 'through', [
    [
      { name: 'bin/', type: 'directory' },
      { name: 'bin/tool', content: 'benign\n', uid: 1, gid: 1 },
    ],
    [
      { name: 'x', type: 'symlink', linkname: '/' },
      { name: 'x/bin/tool', content: 'evil\n', mode: 0o4755, uid: 0, gid: 0 },
    ],
  ]);
  const files = await exported(path, { rootless: true, tempDir: dir });
  const tool = get(files, 'bin/tool');
  assert.deepEqual([tool.content, tool.entry.mode, tool.entry.uid, tool.entry.gid], ['evil\n', 0o4755, 0, 0]);
  assert.equal(files.has('x/bin/tool'), false);
});

test('the temporary root is removed when the export is abandoned or a layer is corrupt', async (t) => {
  const dir = await scratch(t, 'ocikit-flatten-');
  const big = 'x'.repeat(1 << 20);
  const path = await layout(dir, 'big', [
    Array.from({ length: 8 }, (_, i) => ({ name: `f${i}`, content: big })),
  ]);
  const temp = join(dir, 'tmp');
  await mkdir(temp);
  const stream = exportFilesystem(await open(path), { tempDir: temp });
  for await (const _ of stream) break; // destroys the stream after the first chunk
  if (!stream.closed) await new Promise((resolve) => stream.once('close', resolve));
  assert.deepEqual(await readdir(temp), []);

  // A layer whose bytes differ from the config's DiffID fails, and leaves nothing behind.
  const corrupt = await corruptLayout(dir);
  await assert.rejects(async () => {
    for await (const _ of exportFilesystem(await open(corrupt), { tempDir: temp })) {
      // drain
    }
  }, /digest/i);
  assert.deepEqual(await readdir(temp), []);
});

test('diff compares what an unpack gives: a hard link keeps the content its target lost', async (t) => {
  const dir = await scratch(t, 'ocikit-flatten-');
  const lower: HostileEntry[] = [
    { name: 'a', content: 'payload\n' },
    { name: 'b', type: 'link', linkname: 'a' },
    { name: 'd', content: 'first\n' },
    { name: 'd', content: 'second\n' },
  ];
  const before = await open(await layout(dir, 'before', [lower]));
  const after = await open(
    await layout(dir, 'after', [lower, [{ name: 'a', content: 'harmless\n', uid: 5, gid: 5 }]]),
  );
  const changes = await diffImages(before, after, { tempDir: dir });
  // a changed; b became the only path of the payload inode (a file now, no longer a link).
  assert.deepEqual(changes, [
    { change: 'M', path: 'a', fields: ['uid', 'gid', 'size', 'digest'] },
    { change: 'M', path: 'b', fields: ['type', 'linkname'] },
  ]);
});

test('ocikit export replaces a symlink at the output path instead of writing through it', async (t) => {
  const dir = await scratch(t, 'ocikit-flatten-');
  const path = await layout(dir, 'img', [[{ name: 'hello', content: 'hi\n' }]]);
  const victim = join(dir, 'victim');
  await writeFile(victim, 'untouched\n');
  const out = join(dir, 'out');
  await mkdir(out);
  await symlink(victim, join(out, 'fs.tar'));
  const result = await ocikit(['export', `oci:${path}`, join(out, 'fs.tar')]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await readFile(victim, 'utf8'), 'untouched\n');
  assert.ok((await lstat(join(out, 'fs.tar'))).isFile());
  assert.deepEqual(await readdir(out), ['fs.tar'], 'no temporary file or root is left');

  // A failed export leaves neither a temporary file, nor a temporary root, nor the output.
  const failed = await ocikit(['export', `oci:${await corruptLayout(dir)}`, join(out, 'other.tar')]);
  assert.notEqual(failed.code, 0);
  assert.match(failed.stderr, /digest/i);
  assert.deepEqual(await readdir(out), ['fs.tar']);
});

test('export is reproducible: header mtimes, not the time of the apply', async (t) => {
  const dir = await scratch(t, 'ocikit-flatten-');
  const path = await layout(dir, 'times', [
    [
      { name: 'etc/', type: 'directory', mtime: 1_000_000 },
      { name: 'etc/a', content: 'a\n', mtime: 2_000_000 },
    ],
    [
      { name: 'etc/b', content: 'b\n', mtime: 3_000_000 },
      { name: 'var/lib/x', content: 'x\n' },
    ],
  ]);
  const bytes = async (): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of exportFilesystem(await open(path), { tempDir: dir })) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  const first = await bytes();
  assert.ok(first.equals(await bytes()), 'two exports differ');
  const files = await exported(path, { tempDir: dir });
  assert.equal(get(files, 'etc').entry.mtimeNs, 1_000_000n * 1_000_000_000n);
  assert.equal(get(files, 'etc/b').entry.mtimeNs, 3_000_000n * 1_000_000_000n);
  assert.equal(get(files, 'var/lib').entry.mtimeNs, 0n, 'implied parents carry the epoch');
});
