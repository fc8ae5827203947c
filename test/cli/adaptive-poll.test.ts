/**
 * The memory watchers' timer: busy pace while the watched total moves, idle pace once it has stayed
 * still, busy again from the first movement; `stop` from a look or from outside ends it. On mocked
 * timers, so the pace is counted, not timed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { adaptivePoll, type LookResult, MEMORY_POLL, movedSince } from '../../src/cli/adaptive-poll.ts';
import { freePort } from '../helpers/registry.ts';

const PACE = { busyMs: 20, idleMs: 500, stillLooks: 3 };

describe('adaptivePoll', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  /** Runs a poll whose looks answer from `answers` (then `still`), for `ms` of mocked time; the times of its looks. */
  function looksOver(ms: number, answers: LookResult[]): number[] {
    const times: number[] = [];
    let now = 0;
    const poll = adaptivePoll(() => {
      times.push(now);
      return answers.shift() ?? 'still';
    }, PACE);
    while (now < ms) {
      now += 10;
      mock.timers.tick(10);
    }
    poll.stop();
    return times;
  }

  test('looks at the busy pace while the total moves', () => {
    const times = looksOver(200, Array(20).fill('moved'));
    assert.deepEqual(times, [20, 40, 60, 80, 100, 120, 140, 160, 180, 200]);
  });

  test('slows to the idle pace after the still looks, and speeds up again on movement', () => {
    // Three still looks (20, 40, 60), then idle: 560 moves, so the next look is 20 ms later.
    const times = looksOver(700, ['still', 'still', 'still', 'moved']);
    assert.deepEqual(times, [20, 40, 60, 560, 580, 600, 620]);
  });

  test('a look that answers stop ends the poll, and so does stop() from outside', () => {
    assert.deepEqual(looksOver(200, ['moved', 'stop']), [20, 40]);
    let looks = 0;
    const poll = adaptivePoll(() => {
      looks++;
      return 'moved';
    }, PACE);
    for (let ms = 0; ms < 50; ms += 10) mock.timers.tick(10);
    poll.stop();
    for (let ms = 0; ms < 1000; ms += 10) mock.timers.tick(10);
    assert.equal(looks, 2);
  });
});

test('movement is a change of one stream chunk (64 KiB) or more, either way', () => {
  assert.equal(movedSince(10 << 20, (10 << 20) + (64 << 10)), 'moved');
  assert.equal(movedSince(10 << 20, (10 << 20) - (64 << 10)), 'moved');
  assert.equal(movedSince(10 << 20, (10 << 20) + 1000), 'still');
  assert.ok(MEMORY_POLL.idleMs > MEMORY_POLL.busyMs);
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
  try {
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    while (!stderr.includes('serving')) {
      assert.equal(child.exitCode, null, stderr);
      await sleep(50);
    }
    // The first second runs at the busy pace; after it, a 20 ms watcher would wake the thread
    // about 100 times in two seconds (two watchers: about 200).
    await sleep(1500);
    const before = mainThreadWakeups(child.pid as number);
    await sleep(2000);
    const wakeups = mainThreadWakeups(child.pid as number) - before;
    assert.ok(wakeups < 40, `the idle server's main thread woke ${wakeups} times in 2 s`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(root, { recursive: true, force: true });
  }
});
