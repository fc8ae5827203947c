/**
 * A cross-repository mount on `ocikit serve` shares the blob by a hard link between the two
 * layouts (no bytes read, hashed or written again), and falls back to a verified copy where a link
 * would not be safe: the source's blob file is a symlink.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { initLayout } from '../../src/store/index.ts';
import { linkBlob } from '../../src/store/link-blob.ts';
import { scratch } from '../helpers/tmp.ts';
import { serve } from './fixture.ts';

const bytes = Buffer.from(`mounted blob ${Math.random()}\n`);
const hex = createHash('sha256').update(bytes).digest('hex');
const digest = `sha256:${hex}`;

async function push(base: string, repository: string): Promise<void> {
  const res = await fetch(`${base}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  assert.equal(res.status, 201);
}

async function mount(base: string, to: string, from: string): Promise<number> {
  const res = await fetch(`${base}/v2/${to}/blobs/uploads/?mount=${digest}&from=${from}`, { method: 'POST' });
  await res.arrayBuffer();
  return res.status;
}

test('a mount links the blob into the target layout: one inode, same bytes, served', async (t) => {
  const server = await serve(t);
  const base = server.url;
  await push(base, 'org/from');
  assert.equal(await mount(base, 'org/to', 'org/from'), 201);
  const source = await lstat(join(server.root, 'org/from/blobs/sha256', hex));
  const target = await lstat(join(server.root, 'org/to/blobs/sha256', hex));
  assert.equal(target.ino, source.ino, 'the mounted blob shares the source file');
  assert.equal(target.nlink, 2);
  const served = await fetch(`${base}/v2/org/to/blobs/${digest}`);
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), bytes);
  // Deleting it from the source leaves the target's copy whole.
  await rm(join(server.root, 'org/from/blobs/sha256', hex));
  assert.deepEqual(await readFile(join(server.root, 'org/to/blobs/sha256', hex)), bytes);
});

test('security: a source blob that is a symlink is not linked; the mount falls back to an upload', async (t) => {
  const server = await serve(t);
  const base = server.url;
  await push(base, 'evil/from');
  // The source layout's blob replaced by a symlink to a file outside the root.
  const outside = join(server.root, '..', 'outside');
  await writeFile(outside, bytes);
  const blob = join(server.root, 'evil/from/blobs/sha256', hex);
  await rm(blob);
  await symlink(outside, blob);
  await mkdir(join(server.root, 'evil'), { recursive: true });
  assert.equal(await mount(base, 'evil/to', 'evil/from'), 202);
  const target = await lstat(join(server.root, 'evil/to/blobs/sha256', hex)).catch(() => undefined);
  assert.equal(target, undefined, 'nothing stored in the target');
});

test('security: linkBlob keeps no link to a source blob that is a symlink or of another size', async (t) => {
  const dir = await scratch(t, 'ocikit-link-');
  const source = await initLayout(join(dir, 'source'));
  const target = await initLayout(join(dir, 'target'));
  await source.putBytes(bytes, digest);
  const blob = join(dir, 'source/blobs/sha256', hex);
  assert.equal(await linkBlob(source, target, digest, bytes.length + 1), false, 'another size');
  await rm(blob);
  await writeFile(join(dir, 'outside'), bytes);
  await symlink(join(dir, 'outside'), blob);
  assert.equal(await linkBlob(source, target, digest, bytes.length), false, 'a symlink');
  assert.equal(await target.stat(digest), undefined);
  await assert.rejects(lstat(join(dir, 'target/blobs/sha256', hex)), { code: 'ENOENT' });
});

test('security: linkBlob links nothing through a source whose blobs/ folder is a symlink', async (t) => {
  const dir = await scratch(t, 'ocikit-link-');
  const source = await initLayout(join(dir, 'source'));
  const target = await initLayout(join(dir, 'target'));
  // An outside folder holding a file of the right name and size, but other bytes.
  await mkdir(join(dir, 'outside/sha256'), { recursive: true });
  await writeFile(join(dir, 'outside/sha256', hex), Buffer.alloc(bytes.length, 0x41));
  await rm(join(dir, 'source/blobs'), { recursive: true, force: true });
  await symlink(join(dir, 'outside'), join(dir, 'source/blobs'));
  assert.equal(await linkBlob(source, target, digest, bytes.length), false);
  assert.equal(await target.stat(digest), undefined);
  assert.deepEqual(await readdir(join(dir, 'target/blobs/sha256')).catch(() => []), []);
});
