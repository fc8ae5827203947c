/**
 * Layers that overwrite many lower-layer paths in a row take a shorter path in the apply (unlink
 * before creating, lstat before mkdir). These cases put every kind of occupant right after such a
 * run, so the shortcut meets symlinks, directories, free paths and hard links.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { applyLayer } from '../../src/tar/index.ts';
import { type HostileEntry, hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';

async function rootWith(t: Parameters<typeof scratch>[0], ...layers: HostileEntry[][]): Promise<string> {
  const root = `${await scratch(t)}/root`;
  mkdirSync(root);
  for (const layer of layers) await applyLayer(root, [await hostileTar(layer)]);
  return root;
}

const RUN = ['r1', 'r2', 'r3'];
const lowerRun: HostileEntry[] = RUN.map((name) => ({ name, content: `old ${name}` }));
const upperRun: HostileEntry[] = RUN.map((name) => ({ name, content: `new ${name}` }));

test('after a run of overwritten files, a file over a symlink replaces the link and never writes through it', async (t) => {
  const outside = `${await scratch(t)}/outside`;
  writeFileSync(outside, 'untouched');
  const root = await rootWith(
    t,
    [
      ...lowerRun,
      { name: 'inside', content: 'inside' },
      { name: 'link', type: 'symlink', linkname: outside },
    ],
    [...upperRun, { name: 'link', content: 'file now' }],
  );
  for (const name of RUN) assert.equal(readFileSync(`${root}/${name}`, 'utf8'), `new ${name}`);
  assert.ok(lstatSync(`${root}/link`).isFile());
  assert.equal(readFileSync(`${root}/link`, 'utf8'), 'file now');
  assert.equal(readFileSync(outside, 'utf8'), 'untouched');
});

test('after a run of overwritten files, a file over a directory replaces the whole tree', async (t) => {
  const root = await rootWith(
    t,
    [...lowerRun, { name: 'd/', type: 'directory' }, { name: 'd/child', content: 'child' }],
    [...upperRun, { name: 'd', content: 'file now' }],
  );
  assert.ok(lstatSync(`${root}/d`).isFile());
  assert.equal(readFileSync(`${root}/d`, 'utf8'), 'file now');
});

test('after a run of overwritten files, new paths, symlinks and hard links are still created', async (t) => {
  const root = await rootWith(t, lowerRun, [
    ...upperRun,
    { name: 'fresh', content: 'fresh' },
    { name: 'r1', content: 'again' },
    { name: 'sym', type: 'symlink', linkname: 'r2' },
    { name: 'r3', type: 'link', linkname: 'fresh' },
  ]);
  assert.equal(readFileSync(`${root}/fresh`, 'utf8'), 'fresh');
  assert.equal(readFileSync(`${root}/r1`, 'utf8'), 'again');
  assert.equal(readlinkSync(`${root}/sym`), 'r2');
  assert.equal(lstatSync(`${root}/r3`).ino, lstatSync(`${root}/fresh`).ino);
});

test('a symlink followed earlier in the layer and then replaced after a run is never followed again', async (t) => {
  const root = await rootWith(t, [
    ...lowerRun,
    { name: 'target/', type: 'directory' },
    { name: 'target/x', content: 'old x' },
    { name: 'dir', type: 'symlink', linkname: 'target' },
  ]);
  const layer = await hostileTar([
    ...upperRun,
    { name: 'dir/x', content: 'through the link' },
    { name: 'dir', content: 'a file now' },
    { name: 'dir/y', content: 'must not land in target' },
  ]);
  await assert.rejects(applyLayer(root, [layer]), (err) => isOciError(err, 'INVALID_ARCHIVE'));
  assert.equal(readFileSync(`${root}/target/x`, 'utf8'), 'through the link');
  assert.ok(lstatSync(`${root}/dir`).isFile());
  assert.equal(existsSync(`${root}/target/y`), false);
});

test('after a run of merged directories, a directory over a symlink or a file replaces it', async (t) => {
  const outside = `${await scratch(t)}/outside`;
  mkdirSync(outside);
  const dirs: HostileEntry[] = ['a/', 'b/', 'c/'].map((name) => ({ name, type: 'directory' }));
  const root = await rootWith(
    t,
    [...dirs, { name: 'link', type: 'symlink', linkname: outside }, { name: 'file', content: 'f' }],
    [
      ...dirs,
      { name: 'link/', type: 'directory', mode: 0o750 },
      { name: 'link/inner', content: 'inner' },
      { name: 'file/', type: 'directory' },
      { name: 'new/', type: 'directory' },
    ],
  );
  assert.ok(lstatSync(`${root}/link`).isDirectory());
  assert.equal(lstatSync(`${root}/link`).mode & 0o7777, 0o750);
  assert.equal(readFileSync(`${root}/link/inner`, 'utf8'), 'inner');
  assert.ok(lstatSync(`${root}/file`).isDirectory());
  assert.ok(lstatSync(`${root}/new`).isDirectory());
  assert.deepEqual(readdirSync(outside), [], 'nothing was written through the replaced symlink');
});
