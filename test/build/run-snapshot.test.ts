/**
 * The snapshot capture, used where overlayfs cannot be mounted: it must write the very layer the
 * overlay capture writes for the same step, and `auto` must fall back to it on a filesystem that
 * refuses an overlay upper directory (here, an overlayfs mount itself).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import { runStep } from '../../src/build/run/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import { run as exec } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import {
  dataBaseLayer,
  EVERY_CHANGE,
  FIXTURE_TIME,
  layerEntries,
  layerTar,
  sh,
  stepRunner,
} from './run-fixtures.ts';

test('the snapshot capture writes byte for byte the layer the overlay capture writes for the same step', async (t) => {
  const base = await dataBaseLayer(t);
  const { run } = await stepRunner(t);
  // Both runs date their changes now; clamping makes the two layers comparable byte for byte.
  const timestamp = FIXTURE_TIME + 3600;
  const overlay = await run([base], { command: sh(EVERY_CHANGE), capture: 'overlay', timestamp });
  const snapshot = await run([base], { command: sh(EVERY_CHANGE), capture: 'snapshot', timestamp });
  assert.ok(overlay.layer && snapshot.layer);
  assert.equal(snapshot.method, 'snapshot');
  assert.ok(overlay.entries > 15);
  assert.equal(snapshot.entries, overlay.entries);
  assert.ok((await layerTar(snapshot.layer)).equals(await layerTar(overlay.layer)));
  assert.equal(snapshot.layer.diffId, overlay.layer.diffId);
  assert.equal(snapshot.layer.descriptor.digest, overlay.layer.descriptor.digest);
});

test('where overlayfs refuses the cache folder, auto compares snapshots instead and says so; overlay alone fails', async (t) => {
  const base = await dataBaseLayer(t);
  const dir = await scratch(t);
  for (const sub of ['lower', 'upper', 'work', 'merged']) mkdirSync(`${dir}/${sub}`);
  await exec('mount', [
    '-t',
    'overlay',
    'overlay',
    '-o',
    `lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work`,
    `${dir}/merged`,
  ]);
  try {
    const warnings: string[] = [];
    const result = await runStep({
      layers: [base],
      cacheRoot: `${dir}/merged/cache`,
      command: sh('echo hi > /data/hi'),
      network: 'none',
      onWarning: (message) => warnings.push(message),
    });
    try {
      assert.equal(result.method, 'snapshot');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] as string, /cannot mount an overlay.*comparing snapshots instead/s);
      assert.deepEqual(
        (await layerEntries(result.layer)).map((e) => e.path),
        ['data/', 'data/hi'],
      );
    } finally {
      await result.layer?.dispose();
    }
    await assert.rejects(
      runStep({
        layers: [base],
        cacheRoot: `${dir}/merged/cache`,
        command: sh('true'),
        network: 'none',
        capture: 'overlay',
      }),
      (err) => isOciError(err, 'UNSUPPORTED') && /cannot mount an overlay/.test(err.message),
    );
  } finally {
    await exec('umount', [`${dir}/merged`]);
  }
});
