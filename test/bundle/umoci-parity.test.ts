/**
 * `ocikit unpack` and `umoci unpack` produce identical root filesystems for a multi-layer image
 * built with GNU tar and `umoci raw add-layer`: whiteouts, an opaque directory, hard links across
 * layers, symlinks, a fifo, setuid bits, owners, xattrs and long names.
 */
import assert from 'node:assert/strict';
import { chmod, chown, link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';

const LONG = `${'long-directory-name-'.repeat(4)}x/${'very-long-file-name-'.repeat(7)}end.txt`;

async function file(root: string, path: string, content: string, mode = 0o644): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), content);
  await chmod(join(root, path), mode);
}

/** GNU tar of `entries` (in that order) from `root`, as an uncompressed layer file. */
async function gnuTar(root: string, out: string, entries: string[], format: 'gnu' | 'pax'): Promise<void> {
  await run('tar', [
    '-C',
    root,
    `--format=${format}`,
    '--numeric-owner',
    '--no-recursion',
    '--xattrs',
    '-cf',
    out,
    ...entries,
  ]);
}

describe('unpack parity with umoci', () => {
  let layout: string;
  let dir: string;
  const makeDir = suiteScratch(after);

  before(async () => {
    dir = await makeDir();
    layout = join(dir, 'layout');
    await run('umoci', ['init', '--layout', layout]);
    await run('umoci', ['new', '--image', `${layout}:img`]);

    // Layer 1: the base tree.
    const one = join(dir, 'one');
    await file(one, 'a/b/c/bar', 'bar\n');
    await file(one, 'etc/file1', 'linked content\n');
    await link(join(one, 'etc/file1'), join(one, 'etc/file2'));
    await file(one, 'bin/su', 'pretend setuid binary\n', 0o4755);
    await file(one, 'bin/sg', 'pretend setgid binary\n', 0o2755);
    await file(one, 'del/me', 'to be deleted\n');
    await file(one, 'gone/inner/deep', 'whole dir removed\n');
    await file(one, 'opq/old1', 'hidden by opaque\n');
    await file(one, 'opq/sub/old2', 'hidden by opaque too\n');
    await file(one, 'usr/lib/libx.so', 'library\n', 0o755);
    await file(one, 'owned/by-user', 'owned\n', 0o600);
    await chown(join(one, 'owned/by-user'), 1234, 5678);
    await chown(join(one, 'owned'), 1234, 5678);
    await file(one, LONG, 'long name\n');
    await file(one, 'xattr/file', 'has xattrs\n');
    await run('setfattr', ['-n', 'user.ocikit', '-v', 'parity', join(one, 'xattr/file')]);
    await symlink('usr/lib', join(one, 'lib'));
    await symlink('/etc/file1', join(one, 'abs-link'));
    await mkdir(join(one, 'run'), { recursive: true });
    await run('mkfifo', [join(one, 'run/fifo')]);
    await mkdir(join(one, 'tmp'), { recursive: true });
    await chmod(join(one, 'tmp'), 0o1777);
    const layer1 = join(dir, 'layer1.tar');
    const longParents = LONG.split('/')
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    await gnuTar(
      one,
      layer1,
      [
        'a',
        'a/b',
        'a/b/c',
        'a/b/c/bar',
        'etc',
        'etc/file1',
        'etc/file2',
        'bin',
        'bin/su',
        'bin/sg',
        'del',
        'del/me',
        'gone',
        'gone/inner',
        'gone/inner/deep',
        'opq',
        'opq/old1',
        'opq/sub',
        'opq/sub/old2',
        'usr',
        'usr/lib',
        'usr/lib/libx.so',
        'owned',
        'owned/by-user',
        ...longParents,
        LONG,
        'xattr',
        'xattr/file',
        'lib',
        'abs-link',
        'run',
        'run/fifo',
        'tmp',
      ],
      'gnu',
    );
    await run('umoci', ['raw', 'add-layer', '--image', `${layout}:img`, layer1]);

    // Layer 2: whiteouts, an opaque directory (marker after its new children), a hard link to a
    // file of the lower layer, a file replaced by a directory, writes through the merged-usr symlink.
    const two = join(dir, 'two');
    await file(two, 'del/.wh.me', '');
    await file(two, '.wh.gone', '');
    await file(two, 'opq/new', 'new in opaque dir\n');
    await file(two, 'opq/.wh..wh..opq', '');
    await file(two, 'a/b/c/foo', 'foo\n');
    await mkdir(join(two, 'etc'), { recursive: true });
    await file(two, 'etc/file1', 'linked content\n');
    await link(join(two, 'etc/file1'), join(two, 'etc/file3'));
    await file(two, 'bin/su/inside', 'bin/su became a directory\n');
    await file(two, 'usr/lib/liby.so', 'second library\n', 0o755);
    const layer2 = join(dir, 'layer2.tar');
    await gnuTar(
      two,
      layer2,
      [
        'del',
        'del/.wh.me',
        '.wh.gone',
        'opq',
        'opq/new',
        'opq/.wh..wh..opq',
        'a',
        'a/b',
        'a/b/c',
        'a/b/c/foo',
        'etc',
        'etc/file1',
        'etc/file3',
        'bin',
        'bin/su',
        'bin/su/inside',
        'usr',
        'usr/lib',
        'usr/lib/liby.so',
      ],
      'pax',
    );
    await run('umoci', ['raw', 'add-layer', '--image', `${layout}:img`, layer2]);
  });

  test('the rootfs from ocikit unpack equals the one from umoci unpack', async () => {
    const umociBundle = join(dir, 'bundle-umoci');
    const ocikitBundle = join(dir, 'bundle-ocikit');
    await run('umoci', ['unpack', '--image', `${layout}:img`, umociBundle]);
    const result = await ocikit(['unpack', `oci:${layout}:img`, ocikitBundle]);
    assert.equal(result.code, 0, result.stderr);
    const expected = await snapshotTree(join(umociBundle, 'rootfs'));
    const actual = await snapshotTree(join(ocikitBundle, 'rootfs'));
    assert.deepEqual(actual, expected);
    // The cases the image exercises are really there.
    const paths = new Set(actual.map((e) => e.path));
    for (const p of ['opq/new', 'a/b/c/foo', 'a/b/c/bar', 'etc/file3', 'run/fifo', LONG, 'bin/su/inside'])
      assert.ok(paths.has(p), p);
    for (const p of ['opq/old1', 'opq/sub', 'del/me', 'gone', 'del/.wh.me', 'opq/.wh..wh..opq'])
      assert.ok(!paths.has(p), p);
  });

  test('a rootless unpack keeps contents and records ownership instead of applying it', async () => {
    const bundle = join(dir, 'bundle-rootless');
    const result = await ocikit(['unpack', '--rootless', `oci:${layout}:img`, bundle]);
    assert.equal(result.code, 0, result.stderr);
    const config = JSON.parse(await run('cat', [join(bundle, 'config.json')]));
    assert.ok(config.linux.namespaces.some((n: { type: string }) => n.type === 'user'));
    assert.equal(config.linux.uidMappings[0].containerID, 0);
    const attrs = await run('getfattr', [
      '-n',
      'user.rootlesscontainers',
      '-e',
      'hex',
      join(bundle, 'rootfs/owned/by-user'),
    ]);
    assert.match(attrs, /user\.rootlesscontainers=0x/);
  });
});
