/** Interop with umoci: a layer from createLayer, unpacked by `umoci unpack` and by applyLayer, gives the same tree. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { applyLayer, createChangeset, createLayer } from '../../src/tar/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';
import { collect, writeSampleTree } from './fixtures.ts';

test('umoci unpack and applyLayer produce identical trees from the same layers (whiteouts included)', async (t) => {
  const dir = await scratch(t);
  const src = `${dir}/src`;
  mkdirSync(src);
  writeSampleTree(src);
  const base = await collect(createLayer(src));
  writeFileSync(`${dir}/base.tar`, base);
  // A second layer built by hand: a whiteout, an opaque directory and a replacement.
  const upperSrc = `${dir}/upper`;
  mkdirSync(`${upperSrc}/etc`, { recursive: true });
  writeFileSync(`${upperSrc}/etc/.wh.passwd`, '');
  mkdirSync(`${upperSrc}/usr/bin`, { recursive: true });
  writeFileSync(`${upperSrc}/usr/bin/.wh..wh..opq`, '');
  writeFileSync(`${upperSrc}/usr/bin/fresh`, 'fresh');
  await run('tar', [
    '--numeric-owner',
    '--owner=0',
    '--group=0',
    '--mtime=@1650000000',
    '-c',
    '-f',
    `${dir}/upper.tar`,
    '-C',
    upperSrc,
    'etc',
    'usr',
  ]);

  const layout = `${dir}/layout`;
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:t`]);
  await run('umoci', ['raw', 'add-layer', '--image', `${layout}:t`, `${dir}/base.tar`]);
  await run('umoci', ['raw', 'add-layer', '--image', `${layout}:t`, `${dir}/upper.tar`]);
  await run('umoci', ['unpack', '--image', `${layout}:t`, `${dir}/bundle`]);

  const ours = `${dir}/ours`;
  mkdirSync(ours);
  await applyLayer(ours, [base]);
  const { readFileSync } = await import('node:fs');
  await applyLayer(ours, [readFileSync(`${dir}/upper.tar`)]);
  const theirs = snapshotTree(`${dir}/bundle/rootfs`);
  assert.ok(theirs.some((e) => e.path === 'usr/bin/fresh'));
  assert.ok(!theirs.some((e) => e.path === 'usr/bin/tool'));
  assert.deepEqual(snapshotTree(ours), theirs);
});

test('a changeset from createChangeset is applied by umoci and by applyLayer to the same tree, equal to the upper snapshot', async (t) => {
  const dir = await scratch(t);
  const lower = `${dir}/lower`;
  const upper = `${dir}/upper`;
  mkdirSync(lower);
  writeSampleTree(lower);
  mkdirSync(upper);
  assert.equal(spawnSync('cp', ['-a', `${lower}/.`, upper]).status, 0);
  rmSync(`${upper}/etc`, { recursive: true });
  mkdirSync(`${upper}/etc`);
  writeFileSync(`${upper}/etc/hostname`, 'box\n');
  rmSync(`${upper}/usr/bin/tool-alias`);
  writeFileSync(`${upper}/owned`, 'rewritten');
  writeFileSync(`${dir}/base.tar`, await collect(createLayer(lower)));
  writeFileSync(`${dir}/diff.tar`, await collect(createChangeset(lower, upper)));

  const layout = `${dir}/layout`;
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:t`]);
  await run('umoci', ['raw', 'add-layer', '--image', `${layout}:t`, `${dir}/base.tar`]);
  await run('umoci', ['raw', 'add-layer', '--image', `${layout}:t`, `${dir}/diff.tar`]);
  await run('umoci', ['unpack', '--image', `${layout}:t`, `${dir}/bundle`]);

  const ours = `${dir}/ours`;
  mkdirSync(ours);
  const { readFileSync } = await import('node:fs');
  await applyLayer(ours, [readFileSync(`${dir}/base.tar`)]);
  await applyLayer(ours, [readFileSync(`${dir}/diff.tar`)]);
  const theirs = snapshotTree(`${dir}/bundle/rootfs`, { mtimes: false });
  assert.deepEqual(snapshotTree(ours, { mtimes: false }), theirs);
  assert.deepEqual(theirs, snapshotTree(upper, { mtimes: false }));
});
