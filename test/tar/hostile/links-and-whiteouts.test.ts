/**
 * Hostile archives: hard links, whiteouts and entries naming the root. Hard-link targets resolve
 * inside the root like any other path; whiteouts never go through a symlink; invalid whiteout names
 * and non-directory entries for the root are refused with UNSAFE_PATH. The canary outside the root
 * never changes.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { test } from 'node:test';
import { arena } from './setup.ts';

test('hostile: hard link to "../../canary/secret" is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: 'h', type: 'link', linkname: '../../canary/secret' }]]);
  assert.equal(lstatSync(`${a.canary}/secret`).nlink, 1);
  a.assertCanaryUntouched();
});

test('hostile: hard link to an absolute outside path resolves inside the root (missing: INVALID_ARCHIVE)', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: 'h', type: 'link', linkname: `${a.canary}/secret` }]], 'INVALID_ARCHIVE');
  assert.equal(lstatSync(`${a.canary}/secret`).nlink, 1);
  a.assertCanaryUntouched();
});

test('hostile: hard link through a symlinked parent links the confined file, never the outside one', async (t) => {
  const a = await arena(t);
  await a.apply([
    { name: 'canary/secret', content: 'inside copy' },
    { name: 'evil', type: 'symlink', linkname: '/../../canary' },
    { name: 'h', type: 'link', linkname: 'evil/secret' },
  ]);
  assert.equal(statSync(`${a.root}/h`).ino, statSync(`${a.root}/canary/secret`).ino);
  assert.equal(lstatSync(`${a.canary}/secret`).nlink, 1);
  a.assertCanaryUntouched();
});

test('hostile: hard link through a symlinked parent to a missing target fails with INVALID_ARCHIVE', async (t) => {
  const a = await arena(t);
  await a.expectRefused(
    [
      [
        { name: 'evil', type: 'symlink', linkname: '../canary' },
        { name: 'h', type: 'link', linkname: 'evil/secret' },
      ],
    ],
    'INVALID_ARCHIVE',
  );
  a.assertCanaryUntouched();
});

test('hostile: hard link to a directory is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([
    [
      { name: 'd/', type: 'directory' },
      { name: 'h', type: 'link', linkname: 'd' },
    ],
  ]);
  a.assertCanaryUntouched();
});

test('hostile: hard link to the root is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: 'h', type: 'link', linkname: './' }]]);
  a.assertCanaryUntouched();
});

test('hostile: whiteout ".wh.." (the directory itself) is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: 'keep/file', content: 'k' }], [{ name: 'keep/.wh..' }]]);
  assert.equal(readFileSync(`${a.root}/keep/file`, 'utf8'), 'k');
  a.assertCanaryUntouched();
});

test('hostile: whiteout ".wh..." (the parent) is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: 'keep/file', content: 'k' }], [{ name: 'keep/.wh...' }]]);
  assert.equal(readFileSync(`${a.root}/keep/file`, 'utf8'), 'k');
  a.assertCanaryUntouched();
});

test('hostile: whiteout ".wh." with an empty name is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: 'keep/file', content: 'k' }], [{ name: 'keep/.wh.' }]]);
  assert.equal(readFileSync(`${a.root}/keep/file`, 'utf8'), 'k');
  a.assertCanaryUntouched();
});

test('hostile: whiteout "../.wh.canary" is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: '../.wh.canary' }]]);
  a.assertCanaryUntouched();
});

test('hostile: whiteout under a symlinked parent removes only inside the root', async (t) => {
  const a = await arena(t);
  await a.apply(
    [{ name: 'evil', type: 'symlink', linkname: a.canary }],
    [{ name: 'evil/.wh.secret' }, { name: 'evil/.wh.sub' }],
  );
  assert.ok(lstatSync(`${a.root}/evil`).isSymbolicLink());
  a.assertCanaryUntouched();
});

test('hostile: opaque whiteout under a symlinked parent clears nothing, inside or outside the root', async (t) => {
  const a = await arena(t);
  await a.apply(
    [
      { name: 'canary/inner', content: 'inside' },
      { name: 'evil', type: 'symlink', linkname: '../../canary' },
    ],
    [{ name: 'evil/.wh..wh..opq' }],
  );
  assert.equal(existsSync(`${a.root}/canary/inner`), true);
  a.assertCanaryUntouched();
});

test('hostile: a whiteout naming a symlink removes the link, not its target', async (t) => {
  const a = await arena(t);
  await a.apply([{ name: 'l', type: 'symlink', linkname: a.canary }], [{ name: '.wh.l' }]);
  assert.equal(existsSync(`${a.root}/l`), false);
  a.assertCanaryUntouched();
});

test('hostile: an entry replacing the root with a file is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: './', content: 'x', rawTypeflag: '0' }]]);
  assert.ok(lstatSync(a.root).isDirectory());
  a.assertCanaryUntouched();
});

test('hostile: an entry replacing the root with a symlink is refused with UNSAFE_PATH', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: '.', type: 'symlink', linkname: a.canary }]]);
  assert.ok(lstatSync(a.root).isDirectory());
  a.assertCanaryUntouched();
});

test('hostile: "/" as a directory only sets the root attributes', async (t) => {
  const a = await arena(t);
  await a.apply(
    [{ name: 'inside', content: 'x' }],
    [{ name: '/', type: 'directory', mode: 0o750, mtime: 77 }],
  );
  const st = statSync(a.root);
  assert.equal(st.mode & 0o777, 0o750);
  assert.equal(Math.floor(st.mtimeMs / 1000), 77);
  assert.equal(readFileSync(`${a.root}/inside`, 'utf8'), 'x');
  a.assertCanaryUntouched();
});

test('hostile: an entry under a whiteout-named directory is refused with INVALID_ARCHIVE', async (t) => {
  const a = await arena(t);
  await a.expectRefused([[{ name: '.wh.x/child', content: 'x' }]], 'INVALID_ARCHIVE');
  a.assertCanaryUntouched();
});
