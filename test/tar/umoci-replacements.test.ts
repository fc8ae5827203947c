/**
 * Layers made by `umoci repack` when a path changes kind (directory, file, symlink). umoci writes
 * the new path and then a whiteout for each child the old directory had, under the new path: the
 * file `d`, then `d/.wh.child`. Such a whiteout names something that cannot exist (its parent is
 * now a file or a symlink): it removes nothing and is not an error (layer.md "Whiteouts"). Each
 * image is applied with applyLayer and compared with `umoci unpack`'s rootfs and with the rootfs
 * that was repacked.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { type TestContext, test } from 'node:test';
import { applyLayer } from '../../src/tar/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';
import {
  layerTars,
  tarNames,
  type UmociImage,
  umociRepackImage,
  umociUnpack,
} from '../helpers/umoci-image.ts';

/** Applies the first `count` layers of the image (all by default) to a fresh directory. */
async function applyImage(root: string, image: UmociImage, count?: number): Promise<string> {
  mkdirSync(root);
  for (const layer of layerTars(image.layout, image.tag).slice(0, count)) await applyLayer(root, [layer]);
  return root;
}

/** Asserts our apply gives umoci's unpack (mtimes included) and the rootfs that was repacked. */
async function assertUnpacksLikeUmoci(dir: string, image: UmociImage): Promise<void> {
  const theirs = await umociUnpack(image.layout, image.tag, `${dir}/umoci-bundle`);
  const ours = await applyImage(`${dir}/ours`, image);
  assert.deepEqual(snapshotTree(ours), snapshotTree(theirs));
  assert.deepEqual(snapshotTree(ours, { mtimes: false }), image.intended.at(-1));
}

/** The entry names of layer `n` (1-based) of the image. */
function layerNames(image: UmociImage, n: number): Promise<string[]> {
  return tarNames(layerTars(image.layout, image.tag)[n - 1] as Buffer);
}

function tree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(`${root}/${path}`.replace(/\/[^/]*$/, ''), { recursive: true });
    writeFileSync(`${root}/${path}`, content);
  }
}

function replaceWithFile(root: string, path: string, content: string): void {
  rmSync(`${root}/${path}`, { recursive: true, force: true });
  writeFileSync(`${root}/${path}`, content);
}

function replaceWithDir(root: string, path: string, files: Record<string, string>): void {
  rmSync(`${root}/${path}`, { recursive: true, force: true });
  mkdirSync(`${root}/${path}`);
  tree(root, Object.fromEntries(Object.entries(files).map(([k, v]) => [`${path}/${k}`, v])));
}

function replaceWithSymlink(root: string, path: string, target: string): void {
  rmSync(`${root}/${path}`, { recursive: true, force: true });
  symlinkSync(target, `${root}/${path}`);
}

async function dirOf(t: TestContext): Promise<string> {
  return scratch(t, 'ocikit-umoci-repack-');
}

test('umoci repack: a directory replaced by a file ("d", then "d/.wh.child") unpacks as umoci unpacks it', async (t) => {
  const dir = await dirOf(t);
  const image = await umociRepackImage(dir, [
    (r) => tree(r, { 'd/child': 'c', 'd/sub/y': 'y', keep: 'k' }),
    (r) => replaceWithFile(r, 'd', 'now a file'),
  ]);
  const names = await layerNames(image, 2);
  assert.ok(names.indexOf('d') < names.indexOf('d/.wh.child'), names.join(' '));
  assert.ok(names.includes('d/.wh.sub'), names.join(' '));
  await assertUnpacksLikeUmoci(dir, image);
  assert.equal(readFileSync(`${dir}/ours/d`, 'utf8'), 'now a file');
});

test('umoci repack: a file replaced by a directory unpacks as umoci unpacks it', async (t) => {
  const dir = await dirOf(t);
  const image = await umociRepackImage(dir, [
    (r) => tree(r, { f: 'file', other: 'o' }),
    (r) => replaceWithDir(r, 'f', { in: 'inside', 'deeper/x': 'x' }),
  ]);
  await assertUnpacksLikeUmoci(dir, image);
});

test('umoci repack: a directory replaced by a symlink to a missing path ("ld/.wh.q" under the link) unpacks as umoci unpacks it', async (t) => {
  const dir = await dirOf(t);
  const image = await umociRepackImage(dir, [
    (r) => tree(r, { 'ld/q': 'q', 'ld/sub/z': 'z' }),
    (r) => replaceWithSymlink(r, 'ld', 'nowhere/at/all'),
  ]);
  const names = await layerNames(image, 2);
  assert.ok(names.indexOf('ld') < names.indexOf('ld/.wh.q'), names.join(' '));
  await assertUnpacksLikeUmoci(dir, image);
});

test('umoci repack: a directory replaced by a symlink to another directory leaves that directory alone', async (t) => {
  // The layer holds "ld -> /etc" then "ld/.wh.q": the user removed ld/q, never etc/q. The whiteout
  // lies under a symlink, which a whiteout never follows. (umoci's own unpack follows the link
  // and deletes etc/q, so the reference here is the rootfs that was repacked.)
  const dir = await dirOf(t);
  const image = await umociRepackImage(dir, [
    (r) => tree(r, { 'etc/q': 'keep me', 'etc/other': 'o', 'ld/q': 'q' }),
    (r) => replaceWithSymlink(r, 'ld', '/etc'),
  ]);
  const names = await layerNames(image, 2);
  assert.ok(names.includes('ld/.wh.q'), names.join(' '));
  const ours = await applyImage(`${dir}/ours`, image);
  assert.deepEqual(snapshotTree(ours, { mtimes: false }), image.intended.at(-1));
  assert.equal(readFileSync(`${ours}/etc/q`, 'utf8'), 'keep me');
});

test('umoci repack: a symlink replaced by a directory unpacks as umoci unpacks it, the old target untouched', async (t) => {
  const dir = await dirOf(t);
  const image = await umociRepackImage(dir, [
    (r) => {
      tree(r, { 'd/child': 'c' });
      symlinkSync('d', `${r}/dl`);
    },
    (r) => replaceWithDir(r, 'dl', { w: 'w' }),
  ]);
  await assertUnpacksLikeUmoci(dir, image);
  assert.equal(readFileSync(`${dir}/ours/d/child`, 'utf8'), 'c');
});

test('umoci repack: a nested directory tree a/b/c replaced by the file "a" ("a/.wh.b") unpacks as umoci unpacks it', async (t) => {
  const dir = await dirOf(t);
  const image = await umociRepackImage(dir, [
    (r) => tree(r, { 'a/b/c/z': 'z', 'a/b/y': 'y', 'a/x': 'x' }),
    (r) => replaceWithFile(r, 'a', 'flat'),
  ]);
  const names = await layerNames(image, 2);
  assert.ok(names.indexOf('a') < names.indexOf('a/.wh.b'), names.join(' '));
  await assertUnpacksLikeUmoci(dir, image);
});

test('umoci repack: every kind of replacement in one layer unpacks as umoci unpacks it', async (t) => {
  const dir = await dirOf(t);
  const image = await umociRepackImage(dir, [
    (r) => {
      tree(r, { 'd/child': 'c', 'd/sub/y': 'y', f: 'f', 'a/b/c/z': 'z', 'ld/q': 'q', 'm/n/o': 'o' });
      symlinkSync('d', `${r}/dl`);
    },
    (r) => {
      replaceWithFile(r, 'd', 'dir to file');
      replaceWithDir(r, 'f', { in: 'file to dir' });
      replaceWithFile(r, 'a', 'nested dir to file');
      replaceWithDir(r, 'dl', { w: 'symlink to dir' });
      replaceWithSymlink(r, 'ld', 'gone');
      replaceWithSymlink(r, 'm/n', '../d');
    },
  ]);
  await assertUnpacksLikeUmoci(dir, image);
});

test('umoci repack: one path changing kind layer after layer (dir, file, dir, symlink, dir, file) unpacks as repacked at every step', async (t) => {
  const dir = await dirOf(t);
  const image = await umociRepackImage(dir, [
    // target shares no child name with p: umoci's own unpack would follow p's whiteouts into it.
    (r) => tree(r, { 'p/one': '1', 'p/sub/two': '2', 'target/kept': 'keep' }),
    (r) => replaceWithFile(r, 'p', 'file'),
    (r) => replaceWithDir(r, 'p', { one: 'again', 'sub/three': '3' }),
    (r) => replaceWithSymlink(r, 'p', 'target'),
    (r) => {
      unlinkSync(`${r}/p`);
      tree(r, { 'p/one': 'dir again', 'p/x/y/z': 'deep' });
    },
    (r) => replaceWithFile(r, 'p', 'file at last'),
  ]);
  for (let n = 1; n <= image.intended.length; n++) {
    const ours = await applyImage(`${dir}/ours-${n}`, image, n);
    assert.deepEqual(snapshotTree(ours, { mtimes: false }), image.intended[n - 1], `after layer ${n}`);
  }
  await assertUnpacksLikeUmoci(dir, image);
});
