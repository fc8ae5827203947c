/**
 * The bundled command as a user installs it: a package folder holding package.json,
 * bin/ocikit.js and dist/ocikit/ (no src/), so bin/ocikit.js must run the bundle. Covers what a
 * bundle can break that the source tree can't: the version read from package.json, the gzip worker
 * threads found next to their chunk, lazily loaded command chunks, and undici loaded at run time.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';

const REPO = resolve(import.meta.dirname, '../..');

describe('the bundled ocikit command, installed without its sources', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let bin: string;
  let registry: RunningRegistry;

  const ocikit = (...args: string[]): Promise<string> => run(process.execPath, [bin, ...args]);

  before(async () => {
    dir = await makeDir();
    const pkg = join(dir, 'pkg');
    await mkdir(join(pkg, 'bin'), { recursive: true });
    await copyFile(join(REPO, 'package.json'), join(pkg, 'package.json'));
    await copyFile(join(REPO, 'bin/ocikit.js'), join(pkg, 'bin/ocikit.js'));
    await symlink(join(REPO, 'node_modules'), join(pkg, 'node_modules'));
    execFileSync(process.execPath, [join(REPO, 'scripts/bundle-cli.ts'), join(pkg, 'dist/ocikit')], {
      stdio: 'inherit',
    });
    bin = join(pkg, 'bin/ocikit.js');
    registry = await startRegistry();
  });
  after(() => registry?.stop());

  test('prints the version of its package.json', async () => {
    const { version } = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { version: string };
    assert.equal((await ocikit('--version')).trim(), version);
  });

  test('builds gzip layers on worker threads, pushes, pulls and verifies them', async () => {
    const tree = join(dir, 'tree');
    await mkdir(tree);
    // Large enough to be cut into several blocks for the gzip worker threads.
    await writeFile(join(tree, 'data.bin'), randomBytes(6 << 20));
    await writeFile(join(tree, 'hello.txt'), 'hello\n');
    const layout = join(dir, 'layout');
    await ocikit('append', 'scratch', tree, '-t', `oci:${layout}:img`, '--compression', 'gzip');
    const built = (await ocikit('digest', `oci:${layout}:img`)).trim();

    const pushed = (await ocikit('copy', '-q', `oci:${layout}:img`, `${registry.host}/bundle/img:1`)).trim();
    assert.equal(pushed, `${registry.host}/bundle/img@${built}`);
    await ocikit('copy', '-q', `${registry.host}/bundle/img:1`, `oci:${join(dir, 'pulled')}:img`);
    assert.equal((await ocikit('digest', `oci:${join(dir, 'pulled')}:img`)).trim(), built);
    assert.match(await ocikit('fsck', join(dir, 'pulled')), /^ok/);

    await ocikit('unpack', '--rootless', `oci:${join(dir, 'pulled')}:img`, join(dir, 'bundle'));
    assert.equal(await readFile(join(dir, 'bundle/rootfs/hello.txt'), 'utf8'), 'hello\n');
  });
});
