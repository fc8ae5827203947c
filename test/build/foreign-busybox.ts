/**
 * A statically linked busybox for another architecture, taken from Debian's `busybox-static`
 * package of that architecture (`apt-get download`, which needs the architecture added with
 * `dpkg --add-architecture`, as the project's setup does) and kept in the git-ignored test-bases
 * folder, so a warm run downloads nothing.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_BASES_DIR } from '../helpers/debian-base.ts';
import { run } from '../helpers/exec.ts';

/** The path of a static busybox binary for the Debian architecture `arch` (`arm64`, ...). */
export async function foreignBusybox(arch: string): Promise<string> {
  const final = join(TEST_BASES_DIR, `busybox-static-${arch}`, 'busybox');
  if (existsSync(final)) return final;
  await mkdir(TEST_BASES_DIR, { recursive: true });
  const work = await mkdtemp(join(TEST_BASES_DIR, `.busybox-${arch}-`));
  try {
    await run('sh', ['-c', `cd "$1" && apt-get download -q busybox-static:${arch}`, 'sh', work]);
    const deb = (await readdir(work)).find((name) => name.endsWith('.deb'));
    if (deb === undefined) throw new Error(`apt-get download gave no busybox-static:${arch} package`);
    await run('dpkg-deb', ['-x', join(work, deb), join(work, 'x')]);
    await mkdir(join(work, 'out'));
    await copyFile(join(work, 'x', 'bin', 'busybox'), join(work, 'out', 'busybox'));
    await rm(join(TEST_BASES_DIR, `busybox-static-${arch}`), { recursive: true, force: true });
    await rename(join(work, 'out'), join(TEST_BASES_DIR, `busybox-static-${arch}`));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return final;
}
