/**
 * Layers committed by buildah from overlay storage, where a layer is the container's upper
 * directory: a directory re-created from scratch is written "etc/" then "etc/.wh..wh..opq", a
 * symlink replaced by a directory "dl/" then "dl/.wh..wh..opq", a deleted path ".wh.gone". The
 * layers are applied with applyLayer and compared with the rootfs buildah committed and with
 * `umoci unpack` of the same image.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { applyLayer } from '../../src/tar/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { type SnapshotEntry, snapshotTree } from '../helpers/tree-snapshot.ts';
import { layerTars, tarNames, umociUnpack } from '../helpers/umoci-image.ts';

function tree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(`${root}/${path}`.replace(/\/[^/]*$/, ''), { recursive: true });
    writeFileSync(`${root}/${path}`, content);
  }
}

/**
 * Commits two images with buildah on overlay storage kept under `dir`: `one` from scratch with
 * `base` run on its rootfs, `two` from `one` with `change`. Returns the rootfs `two` committed.
 * Every container is unmounted and removed before returning, whatever happens.
 */
async function buildahCommits(
  dir: string,
  base: (rootfs: string) => void,
  change: (rootfs: string) => void,
): Promise<SnapshotEntry[]> {
  const storage = ['--root', `${dir}/storage`, '--runroot', `${dir}/run`, '--storage-driver', 'overlay'];
  // The layout is named relative to `dir`: buildah derives an image name from the path.
  // A policy of its own (the image is a local layout this test made) and a private temp folder.
  const policy = ['--signature-policy', `${dir}/policy.json`];
  writeFileSync(`${dir}/policy.json`, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  mkdirSync(`${dir}/tmp`);
  const buildah = async (...args: string[]): Promise<string> =>
    (await run('buildah', [...storage, ...args], { cwd: dir, env: { TMPDIR: `${dir}/tmp` } })).trim();
  try {
    await buildah('from', ...policy, '--name', 'one', '-q', 'scratch');
    base(await buildah('mount', 'one'));
    await buildah('commit', ...policy, '-q', 'one', 'oci:layout:one');
    await buildah('from', ...policy, '--name', 'two', '-q', 'oci:layout:one');
    const rootfs = await buildah('mount', 'two');
    change(rootfs);
    const committed = snapshotTree(rootfs, { mtimes: false });
    await buildah('commit', ...policy, '-q', 'two', 'oci:layout:two');
    return committed;
  } finally {
    await buildah('umount', '--all');
    await buildah('rm', '--all');
  }
}

test('buildah commit (overlay storage): re-created, replaced and deleted paths apply to the rootfs buildah committed', async (t) => {
  const dir = await scratch(t, 'ocikit-buildah-');
  const committed = await buildahCommits(
    dir,
    (r) => {
      tree(r, { 'd/child': 'c', 'd/sub/y': 'y', f: 'f', 'a/b/c/z': 'z', 'ld/q': 'q' });
      tree(r, { 'etc/q': 'q', 'etc/old/x': 'x', 'gone/x': 'x', plain: 'old' });
      symlinkSync('d', `${r}/dl`);
    },
    (r) => {
      for (const path of ['d', 'f', 'a', 'dl', 'ld', 'etc', 'gone'])
        rmSync(`${r}/${path}`, { recursive: true });
      writeFileSync(`${r}/d`, 'directory became a file');
      tree(r, { 'f/in': 'file became a directory', 'dl/w': 'symlink became a directory' });
      writeFileSync(`${r}/a`, 'nested directories became a file');
      symlinkSync('/etc', `${r}/ld`);
      tree(r, { 'etc/new': 'directory re-created' });
      writeFileSync(`${r}/plain`, 'new');
    },
  );
  const layers = layerTars(`${dir}/layout`, 'two');
  const names = await tarNames(layers[1] as Buffer);
  for (const [first, then] of [
    ['etc/', 'etc/.wh..wh..opq'],
    ['dl/', 'dl/.wh..wh..opq'],
  ] as const) {
    assert.ok(names.indexOf(first) >= 0 && names.indexOf(first) < names.indexOf(then), names.join(' '));
  }
  assert.ok(names.includes('.wh.gone'), names.join(' '));

  const ours = `${dir}/ours`;
  mkdirSync(ours);
  for (const layer of layers) await applyLayer(ours, [layer]);
  assert.deepEqual(snapshotTree(ours, { mtimes: false }), committed);
  const theirs = await umociUnpack(`${dir}/layout`, 'two', `${dir}/umoci-bundle`);
  assert.deepEqual(snapshotTree(ours, { mtimes: false }), snapshotTree(theirs, { mtimes: false }));
});
