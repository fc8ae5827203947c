/**
 * The memory watchers' pace and movement: a command keeps the busy pace throughout unless it is a
 * long-lived one that lets them idle; slow, steady growth still counts as movement; an idle
 * `ocikit serve` lets its main thread sleep. Alone in its file: the pace is process state, and each
 * test file runs in its own process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { idleWhenStill, memoryPollPace, movementTracker } from '../../src/cli/memory-watch.ts';
import { freePort } from '../helpers/registry.ts';

test('a command keeps the busy pace throughout; a long-lived one lets the watchers idle', () => {
  assert.equal(memoryPollPace().stillLooks, Number.POSITIVE_INFINITY);
  assert.equal(memoryPollPace().busyMs, 20);
  idleWhenStill();
  assert.ok(Number.isFinite(memoryPollPace().stillLooks));
  assert.ok(memoryPollPace().idleMs > memoryPollPace().busyMs);
});

test('movement is a chunk (64 KiB) away from the last movement, either way, so slow growth counts', () => {
  const moved = movementTracker();
  assert.equal(moved(10 << 20), 'moved');
  assert.equal(moved((10 << 20) - (64 << 10)), 'moved');
  // 16 KiB per look: still, still, still, then the fourth look is a chunk from the mark.
  const mark = (10 << 20) - (64 << 10);
  const looks = [1, 2, 3, 4].map((i) => moved(mark + i * (16 << 10)));
  assert.deepEqual(looks, ['still', 'still', 'still', 'moved']);
});

/** Voluntary context switches of a process's main thread: how often it went to sleep and woke. */
function mainThreadWakeups(pid: number): number {
  const status = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  return Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1]);
}

test('an idle `ocikit serve` lets its main thread sleep (the memory watchers slow down)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'ocikit-idle-'));
  const listen = `127.0.0.1:${await freePort()}`;
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '../../bin/ocikit.js'), 'serve', root, '--listen', listen],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  try {
    for (let waited = 0; !stderr.includes('serving'); waited += 50) {
      assert.ok(child.exitCode === null && child.signalCode === null, `serve exited: ${stderr}`);
      assert.ok(waited < 30_000, `serve did not start: ${stderr}`);
      await sleep(50);
    }
    // A 20 ms watcher wakes the thread about 25 times in 500 ms (two watchers: 50); idle, they
    // look every 500 ms. After the first second (busy), wait for a quiet half second: a loaded
    // machine may start the server's governor late.
    let quietest = Number.POSITIVE_INFINITY;
    for (let window = 0; window < 20 && quietest >= 8; window++) {
      await sleep(window === 0 ? 1200 : 0);
      const before = mainThreadWakeups(child.pid as number);
      await sleep(500);
      quietest = Math.min(quietest, mainThreadWakeups(child.pid as number) - before);
    }
    assert.ok(quietest < 8, `the idle server's main thread woke ${quietest} times in its quietest 500 ms`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(root, { recursive: true, force: true });
  }
});
