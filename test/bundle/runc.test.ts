/**
 * runc runs a bundle made by `ocikit unpack`: a busybox image built from scratch by `ocikit append`
 * and `ocikit mutate` (non-root user, Entrypoint, Cmd, Env, WorkingDir), whose output the test reads.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeBusyboxRootfs } from '../helpers/busybox.ts';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';

async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `ocikit ${args.join(' ')} failed: ${result.stderr}`);
  return result.out;
}

test('runc runs the bundle ocikit unpacks, as the image says', async (t) => {
  const dir = await scratch(t);
  const rootfs = join(dir, 'rootfs-src');
  await writeBusyboxRootfs(rootfs);
  const layout = join(dir, 'layout');
  await ok(['append', 'scratch', rootfs, '-t', `oci:${layout}:base`]);
  await ok([
    'mutate',
    `oci:${layout}:base`,
    '-t',
    `oci:${layout}:app`,
    '--entrypoint',
    '["/bin/sh","-c"]',
    '--cmd',
    'echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"; echo "cwd=$(pwd)"; echo "greeting=$GREETING"',
    '--env',
    'GREETING=hello from ocikit',
    '--workdir',
    '/srv/work',
    '--user',
    'app',
    '--label',
    'org.example.test=yes',
    '--expose',
    '8080',
  ]);
  const bundle = join(dir, 'bundle');
  await ok(['unpack', `oci:${layout}:app`, bundle]);

  const config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'));
  assert.equal(config.process.terminal, false);
  assert.deepEqual(config.process.user, { uid: 1000, gid: 1000, additionalGids: [2000] });
  assert.equal(config.process.cwd, '/srv/work');
  assert.equal(config.annotations['org.example.test'], 'yes');
  assert.equal(config.annotations['org.opencontainers.image.exposedPorts'], '8080/tcp');

  const id = `ocikit-test-${process.pid}-${Date.now()}`;
  const output = await run('runc', ['run', '--bundle', bundle, id]);
  t.after(() => run('runc', ['delete', '--force', id]).catch(() => {}));
  const lines = output.trim().split('\n');
  assert.deepEqual(lines, [
    'uid=1000 gid=1000 groups=1000 2000',
    'cwd=/srv/work',
    'greeting=hello from ocikit',
  ]);
});
