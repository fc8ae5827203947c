/**
 * Security cases of `unpackBundle` (src/bundle): what an image's rootfs can make the unpacker do
 * after its layers are applied (reading /etc/passwd and /etc/group), and what is left behind when
 * a layer turns out not to match its digest.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync } from 'node:fs';
import { chmod, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveUser, unpackBundle } from '../../src/bundle/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { openImage } from '../../src/image/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { blobFile, writeImageLayout } from './fixtures.ts';

const CHILD = new URL('./unpack-child.ts', import.meta.url).pathname;

/** True when some process holds the FIFO at `path` open for reading (a non-blocking writer open succeeds). */
function fifoHasReader(path: string): boolean {
  try {
    const st = lstatSync(path);
    if (!st.isFIFO()) return false;
    const fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    closeSync(fd);
    return true;
  } catch {
    return false; // ENXIO: no reader; ENOENT: not created yet
  }
}

test('unpack never opens a FIFO planted at /etc/passwd (it would block the event loop forever)', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-bundle-');
  const layout = join(dir, 'layout');
  const bundle = join(dir, 'bundle');
  const layer = await hostileTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', type: 'fifo', mode: 0o644 },
  ]);
  await writeImageLayout(layout, [layer], { configExtra: { config: { User: 'app' } } });

  const child = spawn(process.execPath, [CHILD, layout, bundle], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  // Watch until the child finishes or is caught blocked in open() on the FIFO. Opening the FIFO
  // for writing releases it (it then reads EOF), so the test itself never hangs.
  const fifo = join(bundle, 'rootfs', 'etc', 'passwd');
  let blockedOnFifo = false;
  while (!done) {
    if (fifoHasReader(fifo)) {
      blockedOnFifo = true;
      break;
    }
    await sleep(20);
  }
  await exited;
  assert.equal(
    blockedOnFifo,
    false,
    `unpack opened the image's /etc/passwd FIFO and blocked on it (child said: ${output.trim()})`,
  );
  const result = JSON.parse(output) as { ok: boolean; code?: string };
  assert.ok(result.ok || result.code !== undefined, `unpack failed with a non-OciError: ${output}`);
});

test('a layer whose bytes do not match its digest leaves no unverified files in the bundle', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-bundle-');
  const layout = join(dir, 'layout');
  const bundle = join(dir, 'bundle');
  const honest = await hostileTar([{ name: 'hello.txt', content: 'hello\n' }]);
  const { layers } = await writeImageLayout(layout, [honest]);
  // Tamper with the stored layer: same size, different content (a planted binary).
  const evil = await hostileTar([{ name: 'planted.sh', content: '#!/bin/sh\nrm -rf /\n' }]);
  assert.equal(evil.length, honest.length);
  await writeFile(blobFile(layout, (layers[0] as { digest: string }).digest), evil);

  const image = await openImage(layoutSource(`oci:${layout}`), { platform: 'linux/amd64' });
  await assert.rejects(unpackBundle(image, bundle), (e) => isOciError(e, 'DIGEST_MISMATCH'));
  const left = await readdir(join(bundle, 'rootfs')).catch(() => [] as string[]);
  assert.deepEqual(
    left,
    [],
    `the rootfs keeps files from a layer that failed verification: ${left.join(', ')}`,
  );
});

test('ids from the image /etc/passwd and /etc/group beyond 2^32-1 are refused, not written to config.json', () => {
  // 4294967296 wraps to 0 (root) in a runtime that truncates to uid_t; 1e20 is not even an integer.
  const cases: Array<[string, string, string]> = [
    ['app', 'app:x:4294967296:1000::/home/app:/bin/sh\n', ''],
    ['app', 'app:x:1000:99999999999999999999::/home/app:/bin/sh\n', ''],
    ['app', 'app:x:1000:1000::/home/app:/bin/sh\n', 'extra:x:4294967296:app\n'],
    ['app:extra', 'app:x:1000:1000::/home/app:/bin/sh\n', 'extra:x:4294967296:\n'],
  ];
  for (const [user, passwd, group] of cases) {
    let result: unknown;
    try {
      result = resolveUser(user, passwd, group);
    } catch (err) {
      assert.ok(isOciError(err, 'INVALID_DOCUMENT'), `${user}: ${String(err)}`);
      continue;
    }
    assert.fail(
      `${JSON.stringify(user)} with ${JSON.stringify(passwd + group)} resolved to ${JSON.stringify(result)}`,
    );
  }
});

test('device nodes of an image unpacked by root are not reachable by other local users', async (t) => {
  const dir = await scratch(t, 'ocikit-sec-bundle-');
  await chmod(dir, 0o755); // the scratch parent itself is traversable, like a home or /var/lib
  const layout = join(dir, 'layout');
  const bundle = join(dir, 'bundle');
  // A real attack names the host's disk (block 8:0) or /dev/mem; 1:3 (null) is enough to test reach.
  const layer = await hostileTar([
    { name: 'dev/', type: 'directory', mode: 0o755 },
    { name: 'dev/disk', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
  ]);
  await writeImageLayout(layout, [layer]);
  const image = await openImage(layoutSource(`oci:${layout}`), { platform: 'linux/amd64' });
  const rootless = process.getuid?.() !== 0;
  await unpackBundle(image, bundle, { rootless });
  if (!rootless) {
    // As nobody: can the world-writable device node be reached through the bundle directory?
    const probe = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--',
        'test',
        '-w',
        join(bundle, 'rootfs/dev/disk'),
      ],
      { stdio: 'ignore' },
    );
    assert.equal(probe.error, undefined, 'setpriv is needed for this test');
    assert.notEqual(
      probe.status,
      0,
      'user nobody can write the image-supplied device node inside the bundle',
    );
  } else {
    const mode = (await stat(bundle)).mode & 0o777;
    assert.equal(mode & 0o077, 0, `the bundle directory is ${mode.toString(8)}: other users can enter it`);
  }
});
