/** SafeRoot: symlinked parents are followed confined to the root, within bounds. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { applyLayer } from '../../src/tar/index.ts';
import { MAX_COMPONENTS, MAX_SYMLINKS } from '../../src/tar/resolve.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';

test('hostile: a chain of symlinks with long targets cannot pile up path components (UNSAFE_PATH, nothing created)', async (t) => {
  const root = `${await scratch(t)}/root`;
  mkdirSync(root);
  // Each link names the next one followed by 2000 components: a bit under PATH_MAX per target.
  const perLink = 2000;
  const links = Math.ceil(MAX_COMPONENTS / perLink) + 1;
  assert.ok(links < MAX_SYMLINKS, 'the chain must stay under the symlink limit');
  for (let i = 0; i < links; i++) symlinkSync(`l${i + 1}/${'x/'.repeat(perLink)}`, `${root}/l${i}`);
  await assert.rejects(
    applyLayer(root, [await hostileTar([{ name: 'l0/f', content: 'x' }])]),
    (e) => isOciError(e, 'UNSAFE_PATH') && e.message.includes('l0/f'),
  );
  assert.equal(existsSync(`${root}/l${links}`), false);
});

test('a removed file that was not a followed symlink keeps resolutions valid; a replaced symlink does not', async (t) => {
  const root = `${await scratch(t)}/root`;
  mkdirSync(root);
  await applyLayer(root, [
    await hostileTar([
      { name: 'real/', type: 'directory' },
      { name: 'other/', type: 'directory' },
      { name: 'link', type: 'symlink', linkname: 'real' },
      { name: 'link/a', content: '1' },
      { name: 'plain', content: 'p' },
      { name: 'plain', content: 'q' },
      { name: 'link/b', content: '2' },
      { name: 'link', type: 'symlink', linkname: 'other' },
      { name: 'link/c', content: '3' },
    ]),
  ]);
  assert.ok(existsSync(`${root}/real/a`) && existsSync(`${root}/real/b`));
  assert.ok(existsSync(`${root}/other/c`) && !existsSync(`${root}/real/c`));
});
