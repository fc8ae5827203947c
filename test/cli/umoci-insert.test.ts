/**
 * `umoci insert` writes its layer without the last file's padding and without end-of-archive
 * blocks; umoci and Go's archive/tar read it whole, and so must `ocikit unpack`.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { snapshotTree } from '../helpers/tree-snapshot.ts';

test('an image with a layer from umoci insert unpacks to the rootfs umoci unpacks', async (t) => {
  const dir = await scratch(t);
  const layout = `${dir}/layout`;
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:t`]);
  writeFileSync(`${dir}/f`, 'x\n'); // 2 bytes: the layer ends 510 bytes short of a block
  await run('umoci', ['insert', '--image', `${layout}:t`, `${dir}/f`, '/f']);
  await run('umoci', ['unpack', '--image', `${layout}:t`, `${dir}/theirs`]);
  const result = await ocikit(['unpack', `oci:${layout}:t`, `${dir}/ours`]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(snapshotTree(`${dir}/ours/rootfs`), snapshotTree(`${dir}/theirs/rootfs`));
  assert.ok(snapshotTree(`${dir}/ours/rootfs`).some((e) => e.path === 'f'));
});
