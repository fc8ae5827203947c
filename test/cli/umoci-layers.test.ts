/**
 * `ocikit unpack`, `export` and `diff` on an image made by `umoci repack` in which paths change
 * kind: umoci writes a replaced directory's children as whiteouts under the new file or symlink
 * ("d", then "d/.wh.child"). Each command must accept it and show the filesystem umoci unpacks.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { type SnapshotEntry, snapshotTree } from '../helpers/tree-snapshot.ts';
import { type UmociImage, umociRepackImage, umociUnpack } from '../helpers/umoci-image.ts';

describe('an image whose layers umoci wrote with whiteouts under replaced directories', () => {
  const makeDir = suiteScratch(after, 'ocikit-cli-umoci-');
  let dir: string;
  let image: UmociImage;
  let theirs: SnapshotEntry[];

  before(async () => {
    dir = await makeDir();
    image = await umociRepackImage(dir, [
      (r) => {
        mkdirSync(`${r}/d/sub`, { recursive: true });
        writeFileSync(`${r}/d/child`, 'c');
        writeFileSync(`${r}/d/sub/y`, 'y');
        mkdirSync(`${r}/a/b/c`, { recursive: true });
        writeFileSync(`${r}/a/b/c/z`, 'z');
        mkdirSync(`${r}/ld`);
        writeFileSync(`${r}/ld/q`, 'q');
        writeFileSync(`${r}/f`, 'file');
      },
      (r) => {
        for (const path of ['d', 'a', 'ld', 'f']) rmSync(`${r}/${path}`, { recursive: true });
        writeFileSync(`${r}/d`, 'directory became a file');
        writeFileSync(`${r}/a`, 'nested directories became a file');
        symlinkSync('missing/target', `${r}/ld`);
        mkdirSync(`${r}/f`);
        writeFileSync(`${r}/f/in`, 'file became a directory');
      },
    ]);
    theirs = snapshotTree(await umociUnpack(image.layout, image.tag, `${dir}/umoci-bundle`));
  });

  test('ocikit unpack gives the rootfs umoci unpacks', async () => {
    const r = await ocikit(['unpack', image.name, `${dir}/bundle`]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(snapshotTree(`${dir}/bundle/rootfs`), theirs);
  });

  test('ocikit export writes the filesystem umoci unpacks', async () => {
    const r = await ocikit(['export', image.name, `${dir}/export.tar`]);
    assert.equal(r.code, 0, r.stderr);
    mkdirSync(`${dir}/exported`);
    await run('tar', ['-x', '-p', '--numeric-owner', '-f', `${dir}/export.tar`, '-C', `${dir}/exported`]);
    assert.deepEqual(snapshotTree(`${dir}/exported`), theirs);
  });

  test('ocikit diff lists the paths that changed kind and the children that went with them', async () => {
    const r = await ocikit(['diff', `oci:${image.layout}:step-1`, `oci:${image.layout}:step-2`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const changes = JSON.parse(r.out) as Array<{ change: string; path: string; fields?: string[] }>;
    const byPath = new Map(changes.map((c) => [c.path, c]));
    for (const path of ['d', 'a', 'ld', 'f']) {
      assert.equal(byPath.get(path)?.change, 'M', path);
      assert.ok(byPath.get(path)?.fields?.includes('type'), path);
    }
    for (const path of ['d/child', 'd/sub', 'd/sub/y', 'a/b', 'a/b/c', 'a/b/c/z', 'ld/q']) {
      assert.equal(byPath.get(path)?.change, 'D', path);
    }
    assert.equal(byPath.get('f/in')?.change, 'A');
    assert.equal(changes.length, 12, JSON.stringify(changes));
  });
});
