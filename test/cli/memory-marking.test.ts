/**
 * The CLI's memory governor turns V8's incremental marking off for the rest of the process (a
 * streaming command's small heap otherwise kept V8 marking incrementally all the time). Run in a
 * child process: the flag is global to a process and would change the collector of this test file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

const MEMORY_MODULE = join(import.meta.dirname, '../../src/cli/memory.ts');

/**
 * Counts the collections of a workload that promotes objects into the old generation (a ring of
 * 300k live objects, replaced one by one) before and after starting the governor, from Node's
 * `gc` performance entries: `incremental` is a start of incremental marking.
 */
const CHILD = `
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { setImmediate as turn } from 'node:timers/promises';
import { startMemoryGovernor } from ${JSON.stringify(MEMORY_MODULE)};
const counts = { incremental: 0, major: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) counts.incremental++;
    if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) counts.major++;
  }
}).observe({ entryTypes: ['gc'] });
async function churn() {
  const ring = new Array(300000);
  for (let i = 0; i < 3000000; i++) {
    ring[i % ring.length] = { i, pair: [i, i + 1], text: 'x' + i };
    if (i % 20000 === 0) await turn();
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}
await churn();
const before = { ...counts };
counts.incremental = 0;
counts.major = 0;
startMemoryGovernor({ poll() {}, moved: () => 'still' });
await churn();
console.log(JSON.stringify({ before, after: counts }));
`;

test('the governor turns V8 incremental marking off: old-generation collections are made whole', () => {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const { before, after } = JSON.parse(child.stdout) as Record<
    string,
    { incremental: number; major: number }
  >;
  // The workload makes V8 mark incrementally before the governor starts, so it would after, too.
  assert.ok((before?.incremental ?? 0) >= 1, `no incremental marking before the governor: ${child.stdout}`);
  assert.equal(after?.incremental, 0, `incremental marking after the governor started: ${child.stdout}`);
  assert.ok(
    (after?.major ?? 0) >= 1,
    `no old-generation collection after the governor started: ${child.stdout}`,
  );
});
