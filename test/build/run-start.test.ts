/**
 * The start of a snapshot step's run (src/build/run/capture/run-start.ts): the kernel dates
 * changes with a coarse clock, so a path changed just before the run must still date before it,
 * or the step's layer takes it as changed by the run.
 */
import assert from 'node:assert/strict';
import { linkSync, lstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runStartCtime } from '../../src/build/run/capture/run-start.ts';
import { scratch } from '../helpers/tmp.ts';

test('a file written and hard-linked just before the run dates strictly before its start', async (t) => {
  const dir = await scratch(t);
  for (let round = 0; round < 20; round++) {
    // What a preparation does last: a copied file, and a hard link to it (which changes its ctime).
    const file = join(dir, `prepared-${round}`);
    writeFileSync(file, 'x');
    linkSync(file, `${file}-link`);
    const since = await runStartCtime(join(dir, 'started'));
    assert.ok(lstatSync(file, { bigint: true }).ctimeNs < since, `round ${round}`);
    // And what the run changes afterwards dates at or after it.
    writeFileSync(join(dir, `run-${round}`), 'y');
    assert.ok(lstatSync(join(dir, `run-${round}`), { bigint: true }).ctimeNs >= since, `round ${round}`);
  }
});
