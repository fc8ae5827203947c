/**
 * Images built FROM scratch by COPYing a static busybox, with ENTRYPOINT, CMD, USER, WORKDIR and
 * ENV, unpacked by `ocikit unpack` and run by the real runc: the container prints what the
 * config says (user, working directory created by WORKDIR for that user, environment, command).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeBusyboxRootfs } from '../helpers/busybox.ts';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { buildIn } from './engine-helpers.ts';

async function runImage(t: Parameters<typeof scratch>[0], layout: string): Promise<string[]> {
  const bundle = join(await scratch(t), 'bundle');
  const unpacked = await ocikit(['unpack', `oci:${layout}:img`, bundle]);
  assert.equal(unpacked.code, 0, unpacked.stderr);
  const id = `ocikit-build-${process.pid}-${Date.now()}`;
  t.after(() => run('runc', ['delete', '--force', id]).catch(() => {}));
  const output = await run('runc', ['run', '--bundle', bundle, id]);
  return output.trim().split('\n');
}

test('runc runs a busybox image built from a Dockerfile, as its config says', async (t) => {
  const dir = await scratch(t);
  const context = join(dir, 'ctx');
  await writeBusyboxRootfs(join(context, 'rootfs'));
  const { layout } = await buildIn(
    t,
    [
      'FROM scratch',
      'COPY rootfs/ /',
      'USER app',
      'WORKDIR /home/app/data',
      'ENV GREETING="hello from a Dockerfile"',
      'ENTRYPOINT ["/bin/sh", "-c"]',
      'CMD ["echo uid=$(id -u) gid=$(id -g); echo cwd=$(pwd); echo greeting=$GREETING; stat -c %u:%g /home/app/data"]',
      '',
    ].join('\n'),
    {},
    { contextDir: context },
  );
  assert.deepEqual(await runImage(t, layout), [
    'uid=1000 gid=1000',
    'cwd=/home/app/data',
    'greeting=hello from a Dockerfile',
    '1000:1000',
  ]);
});

test('a shell-form ENTRYPOINT in a later stage runs without the base CMD', async (t) => {
  const dir = await scratch(t);
  const context = join(dir, 'ctx');
  await writeBusyboxRootfs(join(context, 'rootfs'));
  const { layout } = await buildIn(
    t,
    [
      'FROM scratch AS base',
      'COPY rootfs/ /',
      'CMD ["echo", "from the base CMD"]',
      'FROM base',
      'WORKDIR /srv/work',
      'ENTRYPOINT echo entrypoint alone in $(pwd) with "$@" args',
      '',
    ].join('\n'),
    {},
    { contextDir: context },
  );
  assert.deepEqual(await runImage(t, layout), ['entrypoint alone in /srv/work with args']);
});
