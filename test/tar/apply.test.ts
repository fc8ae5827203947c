/** Applying layers: whiteouts (layer.md W1–W12), merges and replacements, hard links, DiffIDs, rootless. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { applyLayer, applyLayers, rootlessOwnerXattr } from '../../src/tar/index.ts';
import { type HostileEntry, hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';

async function rootWith(t: Parameters<typeof scratch>[0], ...layers: HostileEntry[][]): Promise<string> {
  const root = `${await scratch(t)}/root`;
  mkdirSync(root);
  for (const layer of layers) await applyLayer(root, [await hostileTar(layer)]);
  return root;
}

function paths(root: string): string[] {
  return snapshotTree(root).map((e) => (e.type === 'directory' ? `${e.path}/` : e.path));
}

const W12_BASE: HostileEntry[] = [
  { name: 'a/', type: 'directory' },
  { name: 'a/b/', type: 'directory' },
  { name: 'a/b/c/', type: 'directory' },
  { name: 'a/b/c/bar', content: 'bar' },
];

test('W12: an opaque whiteout first in the layer hides lower children only', async (t) => {
  const root = await rootWith(t, W12_BASE, [
    { name: 'a/', type: 'directory' },
    { name: 'a/.wh..wh..opq' },
    { name: 'a/b/', type: 'directory' },
    { name: 'a/b/c/', type: 'directory' },
    { name: 'a/b/c/foo', content: 'foo' },
  ]);
  assert.deepEqual(paths(root), ['a/', 'a/b/', 'a/b/c/', 'a/b/c/foo']);
});

test('W12: an opaque whiteout last in the layer gives the same result (order independence)', async (t) => {
  const root = await rootWith(t, W12_BASE, [
    { name: 'a/', type: 'directory' },
    { name: 'a/b/', type: 'directory' },
    { name: 'a/b/c/', type: 'directory' },
    { name: 'a/b/c/foo', content: 'foo' },
    { name: 'a/.wh..wh..opq' },
  ]);
  assert.deepEqual(paths(root), ['a/', 'a/b/', 'a/b/c/', 'a/b/c/foo']);
});

test('an opaque whiteout keeps implied parents of same-layer files but drops their lower siblings', async (t) => {
  const root = await rootWith(t, W12_BASE, [
    { name: 'a/b/c/foo', content: 'foo' },
    { name: 'a/.wh..wh..opq' },
  ]);
  assert.deepEqual(paths(root), ['a/', 'a/b/', 'a/b/c/', 'a/b/c/foo']);
});

test('W7: a whiteout does not delete a file added earlier in the same layer', async (t) => {
  const root = await rootWith(
    t,
    [{ name: 'x', content: 'lower' }],
    [{ name: 'x', content: 'same layer' }, { name: '.wh.x' }],
  );
  assert.equal(readFileSync(`${root}/x`, 'utf8'), 'same layer');
});

test('W1/W8: whiteouts remove lower files and whole directories, and are never left behind (W5)', async (t) => {
  const root = await rootWith(
    t,
    [
      { name: 'file1', content: '1' },
      { name: 'a/file2', content: '2' },
      { name: 'b/', type: 'directory' },
      { name: 'b/deep/x', content: 'x' },
      { name: 'c/file3', content: '3' },
    ],
    [{ name: '.wh.file1' }, { name: 'a/.wh.file2' }, { name: '.wh.b' }, { name: 'file4', content: '4' }],
  );
  assert.deepEqual(paths(root), ['a/', 'c/', 'c/file3', 'file4']);
});

test('a whiteout of something absent is a no-op and creates no parents', async (t) => {
  const root = await rootWith(
    t,
    [{ name: 'keep', content: 'k' }],
    [{ name: 'nope/.wh.x' }, { name: '.wh.ghost' }],
  );
  assert.deepEqual(paths(root), ['keep']);
});

test('any .wh.-named entry is a whiteout whatever its type flag (hard link, directory)', async (t) => {
  const root = await rootWith(
    t,
    [
      { name: 'tmp/key', content: 'k' },
      { name: 'tmp/dir/x', content: 'x' },
    ],
    [
      { name: 'tmp/.wh.key', type: 'link', linkname: 'tmp/key' },
      { name: 'tmp/.wh.dir', type: 'directory' },
    ],
  );
  assert.deepEqual(paths(root), ['tmp/']);
});

test('AUFS metadata entries (.wh..wh.plnk, .wh..wh.aufs) are skipped', async (t) => {
  const root = await rootWith(t, [
    { name: '.wh..wh.aufs' },
    { name: '.wh..wh.plnk/', type: 'directory' },
    { name: '.wh..wh.plnk/123.456', content: 'x' },
    { name: 'plnk', content: 'kept' },
  ]);
  assert.deepEqual(paths(root), ['plnk']);
});

test('a directory removed and re-created: opaque whiteout plus new children', async (t) => {
  const root = await rootWith(
    t,
    [
      { name: 'a1/old', content: 'old' },
      { name: 'a1/sub/x', content: 'x' },
    ],
    [
      { name: 'a1/', type: 'directory', mode: 0o700 },
      { name: 'a1/.wh..wh..opq' },
      { name: 'a1/new', content: 'new' },
    ],
  );
  assert.deepEqual(paths(root), ['a1/', 'a1/new']);
  assert.equal(statSync(`${root}/a1`).mode & 0o777, 0o700);
});

test('directory over directory merges: children kept, attributes replaced', async (t) => {
  const root = await rootWith(
    t,
    [
      { name: 'd/', type: 'directory', mode: 0o755, mtime: 1000 },
      { name: 'd/child', content: 'c' },
    ],
    [{ name: 'd/', type: 'directory', mode: 0o711, uid: 5, gid: 6, mtime: 2000 }],
  );
  assert.deepEqual(paths(root), ['d/', 'd/child']);
  const st = statSync(`${root}/d`);
  assert.equal(st.mode & 0o777, 0o711);
  assert.equal(st.uid, 5);
  assert.equal(Math.floor(st.mtimeMs / 1000), 2000);
});

test('type changes replace the path: file → dir, dir → file, dir → symlink, symlink → file', async (t) => {
  const root = await rootWith(
    t,
    [
      { name: 'f2d', content: 'file' },
      { name: 'd2f/child', content: 'c' },
      { name: 'd2s/child', content: 'c' },
      { name: 's2f', type: 'symlink', linkname: 'f2d' },
    ],
    [
      { name: 'f2d/', type: 'directory' },
      { name: 'f2d/inner', content: 'inner' },
      { name: 'd2f', content: 'now a file' },
      { name: 'd2s', type: 'symlink', linkname: 'f2d' },
      { name: 's2f', content: 'plain' },
    ],
  );
  assert.deepEqual(paths(root), ['d2f', 'd2s', 'f2d/', 'f2d/inner', 's2f']);
  assert.equal(readlinkSync(`${root}/d2s`), 'f2d');
  assert.equal(readFileSync(`${root}/s2f`, 'utf8'), 'plain');
  assert.equal(readFileSync(`${root}/f2d/inner`, 'utf8'), 'inner');
});

test('replacing a symlink to a file never writes through it', async (t) => {
  const root = await rootWith(
    t,
    [
      { name: 'target', content: 'original' },
      { name: 'link', type: 'symlink', linkname: 'target' },
    ],
    [{ name: 'link', content: 'replacement' }],
  );
  assert.equal(readFileSync(`${root}/target`, 'utf8'), 'original');
  assert.ok(lstatSync(`${root}/link`).isFile());
});

test('hard links may point at files of lower layers, and replace an existing path', async (t) => {
  const root = await rootWith(
    t,
    [
      { name: 'lower', content: 'L' },
      { name: 'busy', content: 'B' },
    ],
    [
      { name: 'busy', type: 'link', linkname: 'lower' },
      { name: 'new/link', type: 'link', linkname: '/lower' },
    ],
  );
  assert.equal(statSync(`${root}/busy`).ino, statSync(`${root}/lower`).ino);
  assert.equal(statSync(`${root}/new/link`).ino, statSync(`${root}/lower`).ino);
});

test('a hard link to a missing target fails with INVALID_ARCHIVE', async (t) => {
  const root = `${await scratch(t)}/r`;
  mkdirSync(root);
  await assert.rejects(
    applyLayer(root, [await hostileTar([{ name: 'l', type: 'link', linkname: 'ghost' }])]),
    (err) => isOciError(err, 'INVALID_ARCHIVE'),
  );
});

test('implied parent directories are created', async (t) => {
  const root = await rootWith(t, [{ name: 'x/y/z/file', content: 'deep' }]);
  assert.deepEqual(paths(root), ['x/', 'x/y/', 'x/y/z/', 'x/y/z/file']);
});

test('directory mtimes are set after all their children are written', async (t) => {
  const root = await rootWith(t, [
    { name: 'd/', type: 'directory', mtime: 1234 },
    { name: 'd/a', content: 'a' },
    { name: 'd/b/', type: 'directory', mtime: 4321 },
    { name: 'd/b/c', content: 'c' },
  ]);
  assert.equal(Math.floor(statSync(`${root}/d`).mtimeMs / 1000), 1234);
  assert.equal(Math.floor(statSync(`${root}/d/b`).mtimeMs / 1000), 4321);
});

test('a read-only directory still receives its children, then gets its mode', async (t) => {
  const root = await rootWith(t, [
    { name: 'ro/', type: 'directory', mode: 0o555 },
    { name: 'ro/f', content: 'f' },
  ]);
  assert.equal(statSync(`${root}/ro`).mode & 0o777, 0o555);
  assert.equal(readFileSync(`${root}/ro/f`, 'utf8'), 'f');
});

test('setuid bits survive chown', async (t) => {
  const root = await rootWith(t, [{ name: 'su', content: 'x', mode: 0o4755, uid: 1000, gid: 1000 }]);
  const st = statSync(`${root}/su`);
  assert.equal(st.mode & 0o7777, 0o4755);
  assert.equal(st.uid, 1000);
});

test('files owned by the process under a setgid directory of another group still get their own group', async (t) => {
  // A new file takes a setgid directory's group: the fchown a root apply skips for files already
  // owned right must not be skipped here, whether the directory came from this layer or a lower one.
  const setgidDir: HostileEntry = { name: 'g/', type: 'directory', mode: 0o2775, uid: 0, gid: 1234 };
  const root = await rootWith(
    t,
    [setgidDir, { name: 'g/lower', content: 'l', uid: 0, gid: 0 }],
    [setgidDir, { name: 'g/merged', content: 'm', uid: 0, gid: 0 }],
    [{ name: 'g/implied', content: 'i', uid: 0, gid: 0 }],
  );
  assert.equal(statSync(`${root}/g`).mode & 0o7777, 0o2775);
  for (const name of ['lower', 'merged', 'implied']) {
    const st = statSync(`${root}/g/${name}`);
    assert.deepEqual([name, st.uid, st.gid], [name, 0, 0]);
  }
});

test('a root given as a symlink to a setgid directory of another group: files still get their own group', async (t) => {
  const dir = await scratch(t);
  mkdirSync(`${dir}/real`);
  chownSync(`${dir}/real`, 0, 1234);
  chmodSync(`${dir}/real`, 0o2755);
  symlinkSync('real', `${dir}/link`);
  await applyLayer(`${dir}/link`, [
    await hostileTar([
      { name: './', type: 'directory', mode: 0o755, uid: 0, gid: 0 },
      { name: 'f', content: 'x', uid: 0, gid: 0 },
    ]),
  ]);
  const st = statSync(`${dir}/real/f`);
  assert.deepEqual([st.uid, st.gid], [0, 0]);
});

test('a process whose effective group changed since the module loaded: files still get the entry group', async (t) => {
  const root = `${await scratch(t)}/root`;
  mkdirSync(root);
  const layer = await hostileTar([
    { name: 'd/', type: 'directory', mode: 0o755, uid: 0, gid: 0 },
    { name: 'd/f', content: 'x', uid: 0, gid: 0 },
  ]);
  const original = process.getegid?.() ?? 0;
  process.setegid?.(4321);
  try {
    await applyLayer(root, [layer]);
  } finally {
    process.setegid?.(original);
  }
  assert.equal(statSync(`${root}/d/f`).gid, 0);
});

test('the DiffID is the sha256 of the stream as read, and a wrong one fails with DIGEST_MISMATCH naming it', async (t) => {
  const root = `${await scratch(t)}/r`;
  mkdirSync(root);
  const tar = await hostileTar([{ name: 'f', content: 'x' }]);
  const withTrailer = Buffer.concat([tar, Buffer.alloc(4096)]);
  const ok = await applyLayer(root, [withTrailer], { diffId: digestBytes(withTrailer) });
  assert.equal(ok.diffId, digestBytes(withTrailer));
  assert.equal(ok.size, withTrailer.length);
  const wrong = digestBytes('something else');
  await assert.rejects(applyLayer(root, [tar], { diffId: wrong }), (err) => {
    assert.ok(isOciError(err, 'DIGEST_MISMATCH'));
    assert.match(err.message, new RegExp(wrong));
    return true;
  });
});

test('applyLayers applies in order and checks each DiffID', async (t) => {
  const root = `${await scratch(t)}/r`;
  mkdirSync(root);
  const one = await hostileTar([
    { name: 'a', content: '1' },
    { name: 'b', content: '1' },
  ]);
  const two = await hostileTar([{ name: '.wh.a' }, { name: 'b', content: '2' }]);
  const results = await applyLayers(root, [[one], () => [two]], {
    diffIds: [digestBytes(one), digestBytes(two)],
  });
  assert.equal(results.length, 2);
  assert.deepEqual(paths(root), ['b']);
  assert.equal(readFileSync(`${root}/b`, 'utf8'), '2');
});

test('an abort signal stops the apply with ABORTED', async (t) => {
  const root = `${await scratch(t)}/r`;
  mkdirSync(root);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    applyLayer(root, [await hostileTar([{ name: 'a', content: '1' }])], { signal: controller.signal }),
    (err) => isOciError(err, 'ABORTED'),
  );
});

test('rootless: no ownership change, device nodes skipped with a warning, owners recorded or reported', async (t) => {
  const root = `${await scratch(t)}/r`;
  mkdirSync(root);
  const warnings: string[] = [];
  await applyLayer(
    root,
    [
      await hostileTar([
        { name: 'owned', content: 'x', uid: 1000, gid: 1001 },
        { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 },
        { name: 'dir/', type: 'directory', uid: 7, gid: 7 },
      ]),
    ],
    { rootless: true, onWarning: (m) => warnings.push(m) },
  );
  assert.equal(statSync(`${root}/owned`).uid, process.getuid?.());
  assert.equal(statSync(`${root}/dir`).uid, process.getuid?.());
  assert.equal(existsSync(`${root}/dev/null`), false);
  assert.ok(warnings.some((w) => w.includes('dev/null')));
  // Ownership goes to user.rootlesscontainers (setfattr and getfattr come with the test peers).
  const dump = spawnSync('getfattr', ['-h', '-n', 'user.rootlesscontainers', '-e', 'hex', `${root}/owned`]);
  assert.equal(
    dump.error,
    undefined,
    'getfattr (Debian package attr) is needed: run scripts/install-peers.sh',
  );
  assert.match(dump.stdout.toString(), new RegExp(rootlessOwnerXattr(1000, 1001).toString('hex')));
});

test('the rootless owner xattr is the protobuf Resource{uid=1,gid=2}, zero fields omitted', () => {
  assert.deepEqual(rootlessOwnerXattr(0, 0), Buffer.alloc(0));
  assert.deepEqual(rootlessOwnerXattr(1000, 0), Buffer.from([0x08, 0xe8, 0x07]));
  assert.deepEqual(rootlessOwnerXattr(0, 5), Buffer.from([0x10, 0x05]));
  assert.deepEqual(rootlessOwnerXattr(1, 300), Buffer.from([0x08, 0x01, 0x10, 0xac, 0x02]));
});

test('regular file content streams across many chunks', async (t) => {
  const root = `${await scratch(t)}/r`;
  mkdirSync(root);
  const big = Buffer.alloc(5 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
  const tar = await hostileTar([{ name: 'big', content: big }]);
  const parts: Buffer[] = [];
  for (let i = 0; i < tar.length; i += 65_536) parts.push(tar.subarray(i, i + 65_536));
  await applyLayer(root, parts);
  assert.deepEqual(readFileSync(`${root}/big`), big);
});

test('a fifo or a device node replaces one of a lower layer, or a file, as a regular file would', async (t) => {
  // GNU tar and umoci replace them; mkfifo and mknod refuse an existing path, which once failed
  // the unpack ("File exists").
  const special: HostileEntry[] = [
    { name: 'run/fifo', type: 'fifo', mode: 0o600 },
    { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 },
    { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 },
  ];
  const root = await rootWith(
    t,
    [{ name: 'run/', type: 'directory' }, { name: 'dev/', type: 'directory' }, ...special],
    special.map((e) => ({ ...e, mode: 0o640 })),
    [{ name: 'run/fifo', content: 'now a file' }],
    [{ name: 'run/fifo', type: 'fifo', mode: 0o644 }],
  );
  const fifo = lstatSync(`${root}/run/fifo`);
  assert.ok(fifo.isFIFO());
  assert.equal(fifo.mode & 0o777, 0o644);
  assert.ok(lstatSync(`${root}/dev/null`).isCharacterDevice());
  assert.equal(lstatSync(`${root}/dev/null`).mode & 0o777, 0o640);
  assert.ok(lstatSync(`${root}/dev/sda`).isBlockDevice());
});
