/** walk → createLayer → applyLayer gives an identical tree; GNU tar agrees with our layers. */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { applyLayer, createLayer, walkDirectory } from '../../src/tar/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';
import { chunked, collect, writeSampleTree } from './fixtures.ts';

test('walkDirectory lists every path byte-wise sorted, parents first, hard links after their first path', async (t) => {
  const dir = await scratch(t);
  writeSampleTree(dir);
  const entries = await walkDirectory(dir);
  const paths = entries.map((e) => e.path);
  assert.ok(paths.indexOf('usr') < paths.indexOf('usr/bin'));
  assert.ok(paths.indexOf('usr/bin') < paths.indexOf('usr/bin/tool'));
  const alias = entries.find((e) => e.path === 'usr/bin/tool-alias');
  assert.equal(alias?.type, 'link');
  assert.equal(alias?.linkname, 'usr/bin/tool');
  assert.equal(entries.find((e) => e.path === 'bin')?.type, 'symlink');
  assert.equal(entries.find((e) => e.path === 'pipe')?.type, 'fifo');
  assert.equal(entries.find((e) => e.path === 'null-dev')?.type, 'character-device');
  // siblings in byte order
  const top = paths.filter((p) => !p.includes('/'));
  assert.deepEqual(
    top,
    [...top].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
  );
});

test('round trip: createLayer then applyLayer reproduces types, modes, owners, links, contents and mtimes', async (t) => {
  const dir = await scratch(t);
  const src = `${dir}/src`;
  const dst = `${dir}/dst`;
  mkdirSync(src);
  mkdirSync(dst);
  writeSampleTree(src);
  const tar = await collect(createLayer(src));
  const result = await applyLayer(dst, chunked(tar));
  assert.equal(result.diffId, digestBytes(tar));
  assert.equal(result.size, tar.length);
  assert.deepEqual(snapshotTree(dst), snapshotTree(src));
});

test('GNU tar extracts a layer from createLayer into an identical tree', async (t) => {
  const dir = await scratch(t);
  const src = `${dir}/src`;
  const dst = `${dir}/dst`;
  mkdirSync(src);
  mkdirSync(dst);
  writeSampleTree(src);
  const tar = await collect(createLayer(src));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${dir}/layer.tar`, tar);
  await run('tar', ['-x', '-p', '--same-owner', '--numeric-owner', '-f', `${dir}/layer.tar`, '-C', dst]);
  assert.deepEqual(snapshotTree(dst), snapshotTree(src));
});

test('applyLayer reproduces what GNU tar created (pax format)', async (t) => {
  const dir = await scratch(t);
  const src = `${dir}/src`;
  const dst = `${dir}/dst`;
  mkdirSync(src);
  mkdirSync(dst);
  writeSampleTree(src);
  await run('tar', ['--format=pax', '--numeric-owner', '-c', '-f', `${dir}/gnu.tar`, '-C', src, '.']);
  const { createReadStream } = await import('node:fs');
  await applyLayer(dst, createReadStream(`${dir}/gnu.tar`));
  assert.deepEqual(snapshotTree(dst), snapshotTree(src));
});
