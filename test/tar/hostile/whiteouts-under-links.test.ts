/**
 * Hostile archives: whiteouts whose directory is not a real directory. A whiteout only removes a
 * child of a real directory inside the root; its path is never resolved through a symlink (the
 * layer removes what lies at that path, never what a link there points to), so a link, to
 * outside the root or to a directory inside it, shields everything behind it. The canary outside
 * the root never changes.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { arena } from './setup.ts';

test('hostile: a whiteout under a symlink to outside the root removes nothing, outside or inside', async (t) => {
  const a = await arena(t);
  await a.apply(
    [
      { name: 'canary/secret', content: 'inside copy' },
      { name: 'canary/sub/file', content: 'inside nested' },
    ],
    [
      { name: 'out', type: 'symlink', linkname: '../canary' },
      { name: 'out/.wh.secret' },
      { name: 'out/.wh.sub' },
      { name: 'abs', type: 'symlink', linkname: a.canary },
      { name: 'abs/.wh.secret' },
      { name: 'abs/.wh.sub' },
    ],
  );
  assert.equal(readFileSync(`${a.root}/canary/secret`, 'utf8'), 'inside copy');
  assert.equal(readFileSync(`${a.root}/canary/sub/file`, 'utf8'), 'inside nested');
  assert.ok(lstatSync(`${a.root}/out`).isSymbolicLink());
  a.assertCanaryUntouched();
});

test('hostile: a whiteout below a symlinked component deeper in its path removes nothing', async (t) => {
  const a = await arena(t);
  await a.apply(
    [
      { name: 'real/deep/file', content: 'kept' },
      { name: 'hop', type: 'symlink', linkname: '/real' },
    ],
    [{ name: 'hop/deep/.wh.file' }, { name: 'hop/.wh.deep' }],
  );
  assert.equal(readFileSync(`${a.root}/real/deep/file`, 'utf8'), 'kept');
  a.assertCanaryUntouched();
});

test('hostile: a whiteout under a file, or under a path that does not exist, removes nothing and creates nothing', async (t) => {
  const a = await arena(t);
  await a.apply(
    [
      { name: 'f', content: 'file' },
      { name: 'keep/x', content: 'x' },
    ],
    [
      { name: 'f/.wh.x' },
      { name: 'f/y/.wh.z' },
      { name: 'none/.wh.x' },
      { name: 'none/deeper/.wh..wh..opq' },
    ],
  );
  assert.equal(readFileSync(`${a.root}/f`, 'utf8'), 'file');
  assert.equal(readFileSync(`${a.root}/keep/x`, 'utf8'), 'x');
  assert.equal(existsSync(`${a.root}/none`), false);
  a.assertCanaryUntouched();
});
