/**
 * Building on an image another tool made (umoci, layer by layer, whiteouts included): the stage's
 * filesystem is read from its layers, so `--chown` names come from the /etc/passwd the top layers
 * leave (a whiteout removes a user's file), COPY through the base's symlinks lands where they point,
 * existing parent directories keep their owners and modes in the new layer, and WORKDIR recreates
 * a directory a whiteout removed.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { umociRepackImage } from '../helpers/umoci-image.ts';
import { buildIn, listImage, readImage } from './engine-helpers.ts';

async function baseImage(t: Parameters<typeof scratch>[0]) {
  const dir = await scratch(t);
  return umociRepackImage(dir, [
    (root) => {
      mkdirSync(join(root, 'etc'));
      writeFileSync(
        join(root, 'etc/passwd'),
        'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n',
      );
      writeFileSync(join(root, 'etc/group'), 'root:x:0:\napp:x:1000:\nops:x:300:\n');
      mkdirSync(join(root, 'usr/bin'), { recursive: true });
      chmodSync(join(root, 'usr/bin'), 0o750);
      chownSync(join(root, 'usr/bin'), 0, 2);
      symlinkSync('usr/bin', join(root, 'bin'));
      mkdirSync(join(root, 'opt/old'), { recursive: true });
      writeFileSync(join(root, 'opt/old/file'), 'old');
    },
    (root) => {
      rmSync(join(root, 'etc/passwd'));
      writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0::/root:/bin/sh\nsvc:x:500:501::/srv:/bin/sh\n');
      rmSync(join(root, 'opt/old'), { recursive: true });
    },
  ]);
}

test('names resolve in the passwd the top layers leave; COPY lands through base symlinks', async (t) => {
  const base = await baseImage(t);
  const { layout } = await buildIn(t, `FROM ${base.name}\nCOPY --chown=svc:ops tool /bin/\n`, {
    tool: 'tool',
  });
  const layers = await listImage(layout);
  assert.equal(layers.length, 3);
  assert.deepEqual(layers[2], [
    'd 0755 0:0 0 usr/',
    'd 0750 0:2 0 usr/bin/',
    '- 0644 500:300 4 usr/bin/tool',
  ]);
  const image = await readImage(layout);
  assert.equal(image.manifest.annotations['org.opencontainers.image.base.name'], base.name);
  await assert.rejects(
    buildIn(t, `FROM ${base.name}\nCOPY --chown=app tool /x\n`, { tool: 'tool' }),
    (err: unknown) =>
      isOciError(err, 'INVALID_ARGUMENT') &&
      /^Dockerfile:2: unable to find user app/.test((err as Error).message),
  );
});

test('WORKDIR recreates a directory a whiteout removed, and keeps an existing one', async (t) => {
  const base = await baseImage(t);
  const { layout } = await buildIn(t, `FROM ${base.name}\nWORKDIR /opt/old\nWORKDIR /usr/bin\n`);
  const layers = await listImage(layout);
  assert.equal(layers.length, 3);
  assert.deepEqual(layers[2], ['d 0755 0:0 0 opt/', 'd 0755 0:0 0 opt/old/']);
});

test('the image built on a Docker-format base validates with oci-image-tool, base layers under OCI types', async (t) => {
  const base = await baseImage(t);
  const dir = await scratch(t);
  const archive = join(dir, 'base.tar');
  await run('skopeo', ['copy', '--quiet', base.name, `docker-archive:${archive}:base/image:1`]);
  const { layout } = await buildIn(t, `FROM docker-archive:${archive}\nCOPY f /f\n`, { f: 'f' });
  const image = await readImage(layout);
  assert.deepEqual(
    image.manifest.layers.map((l: { mediaType: string }) => l.mediaType),
    [
      'application/vnd.oci.image.layer.v1.tar',
      'application/vnd.oci.image.layer.v1.tar',
      'application/vnd.oci.image.layer.v1.tar+gzip',
    ],
  );
  assert.match(await run('oci-image-tool', ['validate', '--type', 'image', layout]), /Validation succeeded/);
});
