/**
 * A repository's folder removed (or replaced) by hand while the server runs: the server forgets
 * the layout it had open and works on what is on disk now, as a registry on a folder must. Before,
 * it kept writing into the removed folder and every push to that name failed with a 500.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { scratch } from '../helpers/tmp.ts';
import { makeImages, ok, serve } from './fixture.ts';

test('a repository folder removed while the server runs is made again by the next push', async (t) => {
  const dir = await scratch(t);
  const layout = await makeImages(dir);
  const server = await serve(t);
  const host = server.url.replace(/^http:\/\//, '');
  const pushed = `docker://${host}/team/app:1`;
  await ok(['copy', '--dest-tls-verify=false', `oci:${layout}:single`, pushed]);

  await rm(join(server.root, 'team/app'), { recursive: true, force: true });
  const gone = await fetch(`${server.url}/v2/team/app/manifests/1`, { method: 'HEAD' });
  assert.equal(gone.status, 404, 'the removed repository is unknown');

  await ok(['copy', '--dest-tls-verify=false', `oci:${layout}:single`, pushed]);
  await ok(['copy', '--src-tls-verify=false', pushed, `oci:${join(dir, 'back')}:1`]);
  assert.match(await ok(['fsck', join(server.root, 'team/app')]), /^ok: /m);
});
