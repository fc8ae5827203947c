/**
 * An overlay step keeps its upper directory as the unpacked form of the layer it wrote, so the
 * next step does not unpack that layer again. Unpacked layers are shared by DiffID (by any later
 * step, stage or build that has the same layer, on any base), so the kept directory must be
 * exactly what unpacking the layer gives: the same paths, types, modes, owners, times, contents,
 * hard links, devices, attributes and whiteouts.
 */
import assert from 'node:assert/strict';
import { type BigIntStats, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { test } from 'node:test';
import { LayerCache } from '../../src/build/run/index.ts';
import { readTreeXattrs } from '../../src/tar/xattr-read.ts';
import { scratch } from '../helpers/tmp.ts';
import { dataBaseLayer, EVERY_CHANGE, FIXTURE_TIME, nextLayer, sh, stepRunner } from './run-fixtures.ts';

/** overlayfs's marks that only an upper directory acts on: inert in a lower one. */
const INERT = new Set(['trusted.overlay.origin', 'trusted.overlay.impure', 'trusted.overlay.uuid']);

/** Attributes of `path` but the inert ones, in a stable form. */
function attributesOf(xattrs: ReturnType<typeof readTreeXattrs>, path: string): string {
  return [...(xattrs.get(path) ?? new Map<string, Buffer>())]
    .filter(([key]) => !INERT.has(key))
    .map(([key, value]) => `${key}=${value.toString('hex')}`)
    .sort()
    .join(',');
}

/** Every path below `root` with what an overlay lower directory shows of it, in a stable form. */
function describeTree(root: string): Map<string, string> {
  const xattrs = readTreeXattrs(root);
  const top = lstatSync(root);
  // The root's mode, owner and attributes; its time is never seen (the next step's root is new).
  const out = new Map<string, string>([
    ['', `mode=${top.mode.toString(8)} owner=${top.uid}:${top.gid} attrs=[${attributesOf(xattrs, '')}]`],
  ]);
  const inodes = new Map<bigint, string>();
  const visit = (rel: string): void => {
    for (const name of readdirSync(rel === '' ? root : `${root}/${rel}`).sort()) {
      const path = rel === '' ? name : `${rel}/${name}`;
      const abs = `${root}/${path}`;
      const st: BigIntStats = lstatSync(abs, { bigint: true });
      const attrs = attributesOf(xattrs, path);
      // A whiteout (a 0/0 character device) hides its name: nothing sees its time.
      const whiteout = st.isCharacterDevice() && st.rdev === 0n;
      const mtime = whiteout ? '' : ` mtime=${st.mtimeNs}`;
      let what = `mode=${st.mode.toString(8)} owner=${st.uid}:${st.gid}${mtime} attrs=[${attrs}]`;
      if (st.isFile()) {
        what += ` size=${st.size} content=${readFileSync(abs).toString('hex')}`;
        // Hard links: the first path of each inode names the group.
        const first = inodes.get(st.ino);
        if (first === undefined) inodes.set(st.ino, path);
        else what += ` linked-to=${first}`;
      } else if (st.isSymbolicLink()) what += ` target=${readlinkSync(abs)}`;
      else if (st.isCharacterDevice() || st.isBlockDevice()) what += ` rdev=${st.rdev}`;
      out.set(path, what);
      if (st.isDirectory()) visit(path);
    }
  };
  visit('');
  return out;
}

/** Asserts that the tree the step kept is the tree unpacking its layer gives. */
async function assertKeptAsUnpacked(
  cacheRoot: string,
  unpackRoot: string,
  layer: { diffId: string } & Parameters<typeof nextLayer>[0],
): Promise<void> {
  const kept = new LayerCache(cacheRoot).pathOf(layer.diffId);
  assert.ok(existsSync(kept), 'the step kept its upper directory as the unpacked layer');
  const unpacked = await new LayerCache(unpackRoot).unpacked(await nextLayer(layer));
  assert.deepEqual(describeTree(kept), describeTree(unpacked));
}

test('a step keeps its upper directory as its unpacked layer, exactly as unpacking the layer makes it', async (t) => {
  const base = await dataBaseLayer(t);
  const { cacheRoot, run } = await stepRunner(t);
  const unpackRoot = await scratch(t, 'ocikit-run-unpack-');
  const first = await run([base], {
    command: sh(
      [
        EVERY_CHANGE,
        // Copied up and changed nothing (the layer leaves them out): a kept copy would hide
        // another base's different file.
        'chown 0:0 /data/keep && chmod 644 /data/keep',
        'touch -c -r /data/nested/deep/file /data/nested/deep/file',
        // Made and removed in the same step: nothing in the layer.
        'mkdir /data/gone && echo x > /data/gone/x && rm -rf /data/gone',
      ].join('\n'),
    ),
    timestamp: 1_800_000_000,
  });
  assert.ok(first.layer);
  await assertKeptAsUnpacked(cacheRoot, unpackRoot, first.layer);

  // A second step on the kept layer: copy-ups from it, whiteouts of its files, a directory of it
  // replaced, and times not clamped.
  const lowerOfSecond = await nextLayer(first.layer);
  const second = await run([base, lowerOfSecond], {
    command: sh(
      [
        'set -e',
        'echo again >> /new/file',
        'rm /new/sym /data/linked',
        'rm -rf /data/opaque && mkdir /data/opaque && echo d > /data/opaque/d',
        'rm /data/replace-dir && mkdir /data/replace-dir',
        'mv /data/keep /data/moved',
      ].join('\n'),
    ),
  });
  assert.ok(second.layer);
  await assertKeptAsUnpacked(cacheRoot, unpackRoot, second.layer);
});

test('a step that writes the layer an earlier step kept leaves the kept directory alone', async (t) => {
  const base = await dataBaseLayer(t);
  const { cacheRoot, run } = await stepRunner(t);
  const unpackRoot = await scratch(t, 'ocikit-run-unpack-');
  // Clamped to a past time: two runs in different seconds still write the same layer.
  const step = { command: sh('echo same > /data/same-file'), timestamp: FIXTURE_TIME + 3600 };
  const first = await run([base], step);
  assert.ok(first.layer);
  const kept = lstatSync(new LayerCache(cacheRoot).pathOf(first.layer.diffId));
  const second = await run([base], step);
  assert.ok(second.layer);
  assert.equal(second.layer.diffId, first.layer.diffId);
  assert.equal(lstatSync(new LayerCache(cacheRoot).pathOf(second.layer.diffId)).ino, kept.ino);
  await assertKeptAsUnpacked(cacheRoot, unpackRoot, second.layer);
});

test('a step writing a name an unpack reads as a whiteout is not kept: the next step unpacks its layer', async (t) => {
  const base = await dataBaseLayer(t);
  const { cacheRoot, run } = await stepRunner(t);
  const step = await run([base], { command: sh('echo x > /data/.wh.keep') });
  assert.ok(step.layer);
  assert.ok(!existsSync(new LayerCache(cacheRoot).pathOf(step.layer.diffId)), 'not kept');
  // Unpacked, the layer removes /data/keep, as it does for any other tool.
  const next = await run([base, await nextLayer(step.layer)], { command: sh('test ! -e /data/keep') });
  assert.equal(next.entries, 0);
});
