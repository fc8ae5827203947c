/**
 * A real Debian base image for build tests and benchmarks: `debootstrap --variant=minbase` of one
 * suite from the Debian mirror the machine's apt sources name, appended to `scratch` with
 * `ocikit append` as an OCI layout. It is kept in the repository's git-ignored
 * `.cache/test-bases/` folder, keyed by the suite and {@link DEBIAN_BASE_VERSION}, so a warm run
 * costs nothing; a cold one is made in a temporary folder beside it and renamed into place whole,
 * so a run stopped half-way never leaves a base that looks finished.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ocikit } from './cli.ts';
import { run } from './exec.ts';

/** The Debian suite the base is made from. */
export const DEBIAN_SUITE = 'bookworm';
/** Bump when the way the base is made changes: a new key makes a new base. */
export const DEBIAN_BASE_VERSION = 1;

/** The folder bases are cached in (git-ignored). */
export const TEST_BASES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../.cache/test-bases');

/** The base as an `oci:` name, and its layout folder. */
export interface DebianBase {
  readonly name: string;
  readonly layout: string;
}

/** Lines of the apt sources (one-line `deb URL SUITE ...` and deb822 `URIs:` forms). */
async function aptSourceUrls(): Promise<string[]> {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) for (const name of await readdir(dir)) files.push(join(dir, name));
  const urls: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const oneLine = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/.exec(line);
      const deb822 = /^\s*URIs:\s*(.+)$/i.exec(line);
      if (oneLine) urls.push(oneLine[1] as string);
      if (deb822) urls.push(...(deb822[1] as string).trim().split(/\s+/));
    }
  }
  return urls;
}

/** The Debian archive mirror the apt sources name (a URL whose path ends in `/debian`). */
export async function debianMirror(): Promise<string> {
  const mirror = (await aptSourceUrls()).find((url) => /^https?:\/\/[^/]+\/(.*\/)?debian\/?$/.test(url));
  if (mirror === undefined)
    throw new Error('no Debian mirror in /etc/apt/sources.list(.d): the Debian base needs one');
  return mirror.replace(/\/$/, '');
}

async function ok(args: string[]): Promise<void> {
  const result = await ocikit(args);
  if (result.code !== 0) throw new Error(`ocikit ${args.join(' ')} failed: ${result.stderr}`);
}

/**
 * The Debian base (made on first use, which needs root, `debootstrap` and the mirror; a few
 * minutes), with CMD `/bin/bash` and Debian's PATH.
 */
export async function debianBase(): Promise<DebianBase> {
  const key = `debian-${DEBIAN_SUITE}-minbase-v${DEBIAN_BASE_VERSION}`;
  const layout = join(TEST_BASES_DIR, key);
  const name = `oci:${layout}:${DEBIAN_SUITE}`;
  if (existsSync(join(layout, 'index.json'))) return { name, layout };
  if (process.geteuid?.() !== 0) throw new Error('making the Debian base runs debootstrap, as root');
  await mkdir(TEST_BASES_DIR, { recursive: true });
  const work = join(TEST_BASES_DIR, `.making-${key}-${randomBytes(4).toString('hex')}`);
  try {
    const rootfs = join(work, 'rootfs');
    await run('debootstrap', ['--variant=minbase', DEBIAN_SUITE, rootfs, await debianMirror()]);
    // Downloaded packages are of no use in the image.
    await run('sh', [
      '-c',
      'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/log/bootstrap.log',
      'sh',
      rootfs,
    ]);
    const staged = join(work, 'layout');
    await ok(['append', 'scratch', rootfs, '-t', `oci:${staged}:rootfs`, '--timestamp', '0']);
    await ok([
      'mutate',
      `oci:${staged}:rootfs`,
      '-t',
      `oci:${staged}:${DEBIAN_SUITE}`,
      '--cmd',
      '["/bin/bash"]',
      '--env',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ]);
    // Another run may have finished first: its base is as good as this one.
    await rename(staged, layout).catch((err: NodeJS.ErrnoException) => {
      if (!['ENOTEMPTY', 'EEXIST'].includes(err.code ?? '') || !existsSync(join(layout, 'index.json')))
        throw err;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return { name, layout };
}
