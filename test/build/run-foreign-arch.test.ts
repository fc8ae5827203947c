/**
 * RUN in a stage for an architecture the host cannot run natively: an arm64 busybox stage runs
 * through binfmt_misc and Debian's `qemu-user-static` (as the project's setup registers it), and
 * the step sees an arm64 machine. A stage for an architecture with no handler fails before
 * anything runs, naming what to install, and writes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BuildEvent, OutputEvent } from '../../src/build/index.ts';
import { build } from '../../src/build/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { readImage } from './engine-helpers.ts';
import { foreignBusybox } from './foreign-busybox.ts';

/** A context holding an arm64 busybox as `bin/busybox`, `bin/sh` linked to it, and `dockerfile`. */
async function arm64Context(dir: string, dockerfile: string): Promise<string> {
  const context = join(dir, 'context');
  await mkdir(join(context, 'bin'), { recursive: true });
  await copyFile(await foreignBusybox('arm64'), join(context, 'bin', 'busybox'));
  await chmod(join(context, 'bin', 'busybox'), 0o755);
  await symlink('busybox', join(context, 'bin', 'sh'));
  await writeFile(join(context, 'Dockerfile'), dockerfile);
  return context;
}

test('RUN in a linux/arm64 stage runs through qemu-user-static and sees aarch64', async (t) => {
  assert.ok(
    existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64'),
    'binfmt_misc must hold a qemu-aarch64 handler (scripts/install-peers.sh registers it)',
  );
  const dir = await scratch(t, 'ocikit-build-arm64-');
  const context = await arm64Context(
    dir,
    'FROM --platform=linux/arm64 scratch\nCOPY bin /bin\nRUN /bin/busybox uname -m > /arch && /bin/busybox uname -m\n',
  );
  const events: BuildEvent[] = [];
  const layout = join(dir, 'layout');
  await build({
    context,
    cacheDir: join(dir, 'cache'),
    tags: [`oci:${layout}:img`],
    network: 'none',
    onProgress: (event) => events.push(event),
  });
  const image = await readImage(layout);
  assert.equal(image.config.architecture, 'arm64');
  assert.equal(image.config.os, 'linux');
  assert.equal(await run('tar', ['-xzOf', image.layers.at(-1) as string, 'arch']), 'aarch64\n');
  const lines = events.filter((e): e is OutputEvent => e.kind === 'output').map((e) => e.line);
  assert.ok(lines.includes('aarch64'), `the step printed ${JSON.stringify(lines)}`);
});

test('RUN for an architecture no emulator handles fails before running, naming qemu-user-static', async (t) => {
  const dir = await scratch(t, 'ocikit-build-foreign-');
  const context = await arm64Context(
    dir,
    'FROM --platform=linux/wasm scratch\nCOPY bin /bin\nRUN /bin/busybox touch /ran\n',
  );
  const layout = join(dir, 'layout');
  await assert.rejects(
    build({ context, cacheDir: join(dir, 'cache'), tags: [`oci:${layout}:img`], network: 'none' }),
    (err: unknown) =>
      isOciError(err, 'UNSUPPORTED') &&
      /RUN for linux\/wasm on a linux\/[a-z0-9]+ host needs emulation: install qemu-user-static/.test(
        err.message,
      ),
  );
  assert.equal(existsSync(layout), false);
});
