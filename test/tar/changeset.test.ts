/** createChangeset (double walk) and createLayer reproducibility. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { applyLayer, createChangeset, createLayer, readTar } from '../../src/tar/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { type SnapshotEntry, snapshotTree } from '../helpers/tree-snapshot.ts';
import { collect, writeSampleTree } from './fixtures.ts';

async function names(tar: Buffer): Promise<string[]> {
  const out: string[] = [];
  for await (const { entry } of readTar([tar]))
    out.push(entry.type === 'link' ? `${entry.path} -> ${entry.linkname}` : entry.path);
  return out;
}

function withoutDirTimes(entries: SnapshotEntry[]): SnapshotEntry[] {
  return entries.map((e) => (e.type === 'directory' ? { ...e, mtime: undefined } : e));
}

function copyTree(from: string, to: string): void {
  // cp -a keeps owners, modes, times, hard links and special files.
  const r = spawnSync('cp', ['-a', `${from}/.`, to]);
  assert.equal(r.status, 0, r.stderr.toString());
}

test('changeset: additions, modifications and removals (explicit whiteouts, before siblings)', async (t) => {
  const dir = await scratch(t);
  const lower = `${dir}/lower`;
  const upper = `${dir}/upper`;
  mkdirSync(lower);
  mkdirSync(upper);
  writeSampleTree(lower);
  copyTree(lower, upper);
  rmSync(`${upper}/etc/passwd`);
  rmSync(`${upper}/ro`, { recursive: true, force: true });
  writeFileSync(`${upper}/etc/app.d/conf`, 'key=changed-value\n');
  writeFileSync(`${upper}/zz-new`, 'new');
  utimesSync(`${upper}/etc`, 1_700_000_000, 1_700_000_000);
  const tar = await collect(createChangeset(lower, upper));
  const list = await names(tar);
  // etc/ changed (an entry was removed); app.d/ did not (a file's content changed in place).
  assert.deepEqual(list, ['.wh.ro', 'etc/', 'etc/.wh.passwd', 'etc/app.d/conf', 'zz-new']);
  // Applying the changeset onto a copy of lower gives upper.
  const target = `${dir}/target`;
  mkdirSync(target);
  copyTree(lower, target);
  await applyLayer(target, [tar]);
  // Replacing etc/app.d/conf touches app.d's mtime, which the layer does not carry (as with any applier).
  assert.deepEqual(withoutDirTimes(snapshotTree(target)), withoutDirTimes(snapshotTree(upper)));
});

test('changeset: a directory removed and re-created whites out its old children', async (t) => {
  const dir = await scratch(t);
  const lower = `${dir}/lower`;
  const upper = `${dir}/upper`;
  mkdirSync(`${lower}/a1/sub`, { recursive: true });
  writeFileSync(`${lower}/a1/old`, 'old');
  writeFileSync(`${lower}/a1/sub/x`, 'x');
  mkdirSync(upper);
  copyTree(lower, upper);
  rmSync(`${upper}/a1`, { recursive: true });
  mkdirSync(`${upper}/a1`);
  writeFileSync(`${upper}/a1/new`, 'new');
  utimesSync(`${upper}/a1`, 2_000_000_000, 2_000_000_000);
  const list = await names(await collect(createChangeset(lower, upper)));
  assert.deepEqual(list, ['a1/', 'a1/.wh.old', 'a1/.wh.sub', 'a1/new']);
  const target = `${dir}/target`;
  mkdirSync(target);
  copyTree(lower, target);
  await applyLayer(target, [await collect(createChangeset(lower, upper))]);
  assert.deepEqual(snapshotTree(target), snapshotTree(upper));
});

test('changeset: type changes file → dir and dir → file need no whiteout', async (t) => {
  const dir = await scratch(t);
  const lower = `${dir}/lower`;
  const upper = `${dir}/upper`;
  mkdirSync(`${lower}/d2f`, { recursive: true });
  writeFileSync(`${lower}/d2f/child`, 'c');
  writeFileSync(`${lower}/f2d`, 'f');
  mkdirSync(upper);
  copyTree(lower, upper);
  rmSync(`${upper}/d2f`, { recursive: true });
  writeFileSync(`${upper}/d2f`, 'now a file');
  rmSync(`${upper}/f2d`);
  mkdirSync(`${upper}/f2d`);
  writeFileSync(`${upper}/f2d/inner`, 'i');
  utimesSync(upper, 1, 1);
  const tar = await collect(createChangeset(lower, upper));
  assert.deepEqual(await names(tar), ['d2f', 'f2d/', 'f2d/inner']);
  const target = `${dir}/target`;
  mkdirSync(target);
  copyTree(lower, target);
  await applyLayer(target, [tar]);
  assert.deepEqual(snapshotTree(target), snapshotTree(upper));
});

test('changeset: a new hard link to an unchanged file is written as a file; new link pairs as a link', async (t) => {
  const dir = await scratch(t);
  const lower = `${dir}/lower`;
  const upper = `${dir}/upper`;
  mkdirSync(lower);
  writeFileSync(`${lower}/base`, 'b');
  mkdirSync(upper);
  copyTree(lower, upper);
  spawnSync('ln', [`${upper}/base`, `${upper}/base-link`]);
  writeFileSync(`${upper}/n1`, 'n');
  spawnSync('ln', [`${upper}/n1`, `${upper}/n2`]);
  utimesSync(upper, 1, 1);
  const list = await names(await collect(createChangeset(lower, upper)));
  assert.deepEqual(list, ['base-link', 'n1', 'n2 -> n1']);
});

test('createLayer is byte-reproducible across runs and copies of a tree', async (t) => {
  const dir = await scratch(t);
  mkdirSync(`${dir}/a`);
  writeSampleTree(`${dir}/a`);
  mkdirSync(`${dir}/b`);
  copyTree(`${dir}/a`, `${dir}/b`);
  const one = await collect(createLayer(`${dir}/a`));
  const two = await collect(createLayer(`${dir}/a`));
  const three = await collect(createLayer(`${dir}/b`));
  assert.deepEqual(one, two);
  assert.deepEqual(one, three);
});

test('SOURCE_DATE_EPOCH and options.timestamp clamp mtimes and make fresh copies reproducible', async (t) => {
  const dir = await scratch(t);
  mkdirSync(`${dir}/a`);
  writeSampleTree(`${dir}/a`);
  mkdirSync(`${dir}/b`);
  copyTree(`${dir}/a`, `${dir}/b`);
  // A fresh copy with every time moved to now: clamping to an old time equalises them again.
  spawnSync('find', [`${dir}/b`, '-exec', 'touch', '-h', '-d', '@2000000000', '{}', '+']);
  assert.notDeepEqual(await collect(createLayer(`${dir}/b`)), await collect(createLayer(`${dir}/a`)));
  const owner = { uid: 0, gid: 0 };
  const clampA = await collect(createLayer(`${dir}/a`, { timestamp: 1_000_000_000, owner }));
  const clampB = await collect(createLayer(`${dir}/b`, { timestamp: 1_000_000_000, owner }));
  assert.deepEqual(clampA, clampB);
  const previous = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = '1000000000';
  try {
    assert.deepEqual(await collect(createLayer(`${dir}/a`, { owner })), clampA);
  } finally {
    if (previous === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = previous;
  }
  for await (const { entry } of readTar([clampA])) assert.ok(entry.mtimeNs <= 1_000_000_000_000_000_000n);
});

test('createLayer names have no "./" prefix, directories end with "/", and the archive ends with two zero blocks', async (t) => {
  const dir = await scratch(t);
  mkdirSync(`${dir}/t/sub`, { recursive: true });
  writeFileSync(`${dir}/t/sub/f`, 'f');
  const tar = await collect(createLayer(`${dir}/t`));
  assert.deepEqual(await names(tar), ['sub/', 'sub/f']);
  assert.deepEqual(tar.subarray(tar.length - 1024), Buffer.alloc(1024));
  assert.equal(tar.length % 512, 0);
});

test('sub-second mtimes are truncated by default and kept on request', async (t) => {
  const dir = await scratch(t);
  mkdirSync(`${dir}/t`);
  writeFileSync(`${dir}/t/f`, 'f');
  utimesSync(`${dir}/t/f`, 1_700_000_000.25, 1_700_000_000.25);
  for await (const { entry } of readTar(createLayer(`${dir}/t`)))
    assert.equal(entry.mtimeNs, 1_700_000_000_000_000_000n);
  for await (const { entry } of readTar(createLayer(`${dir}/t`, { subsecondTimes: true }))) {
    assert.equal(entry.mtimeNs, 1_700_000_000_250_000_000n);
  }
});
