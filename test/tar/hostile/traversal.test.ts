/**
 * Hostile archives: names and symlinks that try to reach outside the root. Names with `..` that
 * climb above the root are refused with UNSAFE_PATH; absolute names and symlinked parents are
 * confined: the write lands inside the root (documented per case). The canary outside the root
 * never changes.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { arena } from './setup.ts';

test('hostile: "../canary/pwn" is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: '../canary/pwn', content: 'x' }]]);
  a.assertCanaryUntouched();
});

test('hostile: "a/../../canary/pwn" is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: 'a/../../canary/pwn', content: 'x' }]]);
  a.assertCanaryUntouched();
});

test('hostile: "./../canary/pwn" and "a/./../../x" are refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: './../canary/pwn', content: 'x' }]]);
  await a.expectRefused([[{ name: 'a/./../../x', content: 'x' }]]);
  a.assertCanaryUntouched();
});

test('hostile: an absolute name is confined: "/<canary>/pwn" lands inside the root', async (t) => {
  const a = await arena(t);
  await a.apply([{ name: `${a.canary}/pwn`, content: 'x' }]);
  assert.equal(readFileSync(`${a.root}${a.canary}/pwn`, 'utf8'), 'x');
  a.assertCanaryUntouched();
});

test('hostile: a harmless lexical fold "a/../b" lands at "b" inside the root', async (t) => {
  const a = await arena(t);
  await a.apply([{ name: 'a/../b', content: 'x' }]);
  assert.equal(readFileSync(`${a.root}/b`, 'utf8'), 'x');
  a.assertCanaryUntouched();
});

test('hostile: symlink parent "evil -> /" then "evil/etc/x" is confined to root/etc/x', async (t) => {
  const a = await arena(t);
  await a.apply([
    { name: 'evil', type: 'symlink', linkname: '/' },
    { name: 'evil/etc/x', content: 'x' },
  ]);
  assert.equal(readFileSync(`${a.root}/etc/x`, 'utf8'), 'x');
  assert.equal(readlinkSync(`${a.root}/evil`), '/');
  a.assertCanaryUntouched();
});

test('hostile: symlink parent to the absolute canary path is confined inside the root', async (t) => {
  const a = await arena(t);
  await a.apply([
    { name: 'evil', type: 'symlink', linkname: a.canary },
    { name: 'evil/pwn', content: 'x' },
  ]);
  assert.equal(readFileSync(`${a.root}${a.canary}/pwn`, 'utf8'), 'x');
  a.assertCanaryUntouched();
});

test('hostile: symlink parent "evil -> ../../.." is clamped at the root', async (t) => {
  const a = await arena(t);
  await a.apply([
    { name: 'evil', type: 'symlink', linkname: '../../..' },
    { name: 'evil/pwn', content: 'x' },
    { name: 'evil/canary/secret', content: 'overwritten?' },
  ]);
  assert.equal(readFileSync(`${a.root}/pwn`, 'utf8'), 'x');
  assert.equal(readFileSync(`${a.root}/canary/secret`, 'utf8'), 'overwritten?');
  a.assertCanaryUntouched();
});

test('hostile: a chain of symlinks ending outside is confined', async (t) => {
  const a = await arena(t);
  await a.apply([
    { name: 'a', type: 'symlink', linkname: 'b' },
    { name: 'b', type: 'symlink', linkname: 'dir/c' },
    { name: 'dir/c', type: 'symlink', linkname: '../../canary' },
    { name: 'a/pwn', content: 'x' },
  ]);
  assert.equal(readFileSync(`${a.root}/canary/pwn`, 'utf8'), 'x');
  a.assertCanaryUntouched();
});

test('hostile: a symlink loop used as a parent is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([
    [
      { name: 'l1', type: 'symlink', linkname: 'l2' },
      { name: 'l2', type: 'symlink', linkname: 'l1' },
      { name: 'l1/x', content: 'x' },
    ],
  ]);
  a.assertCanaryUntouched();
});

test('hostile: a symlink from a lower layer is written through only inside the root', async (t) => {
  const a = await arena(t);
  await a.apply(
    [{ name: 'usr/lib/x', type: 'symlink', linkname: '../../../canary' }],
    [{ name: 'usr/lib/x/cron.d/pwn', content: 'x' }],
  );
  assert.equal(readFileSync(`${a.root}/canary/cron.d/pwn`, 'utf8'), 'x');
  a.assertCanaryUntouched();
});

test('hostile: merged-usr "lib -> usr/lib" keeps working for later layers', async (t) => {
  const a = await arena(t);
  await a.apply(
    [
      { name: 'usr/lib/', type: 'directory' },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
    ],
    [{ name: 'lib/libfoo.so', content: 'elf' }],
  );
  assert.equal(readFileSync(`${a.root}/usr/lib/libfoo.so`, 'utf8'), 'elf');
  assert.ok(lstatSync(`${a.root}/lib`).isSymbolicLink());
  a.assertCanaryUntouched();
});

test('hostile: a symlink replaced by a directory is not followed', async (t) => {
  const a = await arena(t);
  await a.apply(
    [{ name: 'd', type: 'symlink', linkname: a.canary }],
    [
      { name: 'd/', type: 'directory', mode: 0o777 },
      { name: 'd/pwn', content: 'x' },
    ],
  );
  assert.ok(lstatSync(`${a.root}/d`).isDirectory());
  assert.equal(readFileSync(`${a.root}/d/pwn`, 'utf8'), 'x');
  a.assertCanaryUntouched();
});

test('hostile: a file replaced by a symlink then written through stays inside', async (t) => {
  const a = await arena(t);
  await a.apply([
    { name: 'f', content: 'file' },
    { name: 'f', type: 'symlink', linkname: a.canary },
    { name: 'f/pwn', content: 'x' },
  ]);
  assert.equal(readFileSync(`${a.root}${a.canary}/pwn`, 'utf8'), 'x');
  a.assertCanaryUntouched();
});

test('hostile: a file entry over a symlink to an outside file replaces the link, not the target', async (t) => {
  const a = await arena(t);
  await a.apply(
    [{ name: 's', type: 'symlink', linkname: `${a.canary}/secret` }],
    [{ name: 's', content: 'x', mode: 0o777 }],
  );
  assert.ok(lstatSync(`${a.root}/s`).isFile());
  a.assertCanaryUntouched();
});

test('hostile: a directory later swapped for an outside symlink gets no deferred chmod or times', async (t) => {
  const a = await arena(t);
  await a.apply([
    { name: 'd/', type: 'directory', mode: 0o700, mtime: 1 },
    { name: 'd/sub/', type: 'directory', mode: 0o700, mtime: 1 },
    { name: 'd', type: 'symlink', linkname: `../canary` },
  ]);
  assert.ok(lstatSync(`${a.root}/d`).isSymbolicLink());
  a.assertCanaryUntouched();
});

test('hostile: owner and mode of an entry under a symlinked parent never touch the outside', async (t) => {
  const a = await arena(t);
  await a.apply([
    { name: 'evil', type: 'symlink', linkname: '../canary' },
    { name: 'evil/sub/', type: 'directory', mode: 0o777, uid: 4242, mtime: 5 },
    { name: 'evil/secret', content: 'replaced', mode: 0o777, uid: 4242 },
  ]);
  assert.equal(lstatSync(`${a.root}/canary/secret`).uid, 4242);
  assert.equal(existsSync(`${a.root}/canary/sub`), true);
  a.assertCanaryUntouched();
});
