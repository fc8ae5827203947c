/**
 * Which RUN steps need emulation: the host's own architecture (and 386 on amd64) runs natively;
 * another needs an enabled qemu handler in binfmt_misc (a folder laid out as the kernel's, as
 * `qemu-user-static` fills it), else UNSUPPORTED naming what to install.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkEmulation } from '../../src/build/run/emulation.ts';
import { isOciError } from '../../src/errors/index.ts';
import { scratch } from '../helpers/tmp.ts';

const amd64 = { os: 'linux', architecture: 'amd64' };

test('native architectures need no handler; others need an enabled qemu handler', async (t) => {
  const dir = await scratch(t);
  checkEmulation(amd64, amd64, dir);
  checkEmulation({ os: 'linux', architecture: '386' }, amd64, dir);
  const arm64 = { os: 'linux', architecture: 'arm64' };
  const refused = (err: unknown): boolean =>
    isOciError(err, 'UNSUPPORTED') &&
    err.message ===
      'RUN for linux/arm64 on a linux/amd64 host needs emulation: install qemu-user-static (a binfmt_misc handler qemu-aarch64 must be registered)';
  assert.throws(() => checkEmulation(arm64, amd64, dir), refused);
  await writeFile(
    join(dir, 'qemu-aarch64'),
    'disabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n',
  );
  assert.throws(() => checkEmulation(arm64, amd64, dir), refused);
  await writeFile(
    join(dir, 'qemu-aarch64'),
    'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POCF\n',
  );
  checkEmulation(arm64, amd64, dir);
});
