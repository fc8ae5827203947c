/**
 * The benchmark runner's guards (bench/guard.ts): a timed command that outlives its limit is killed
 * with everything it started, a suite that throws or stalls is reported while the next suites still
 * run, and a stalled suite's child processes are killed. No timing is asserted: only which outcome.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  BenchTimeoutError,
  limitFromEnv,
  runShellBounded,
  runSuites,
  runsFromEnv,
  type Suite,
  withTimeout,
} from '../../bench/guard.ts';

/** True while `pid` runs (an exited process not yet reaped by its new parent counts as gone). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('bench guard: timed commands', () => {
  test('a command that outlives its limit is killed with the processes it started', {
    timeout: 60_000,
  }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ocikit-bench-guard-'));
    try {
      const pidFile = join(dir, 'pid');
      // The shell waits on a background child: killing the shell alone would leave the child running.
      const command = `sleep 300 & echo $! > ${pidFile}; wait`;
      assert.throws(() => runShellBounded(command, { timeoutMs: 2000 }), BenchTimeoutError);
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      assert.ok(pid > 0);
      assert.equal(running(pid), false, 'the background child was left running');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a command that fails throws with its exit status and stderr; one that succeeds gives seconds', () => {
    assert.throws(
      () => runShellBounded('echo broken peer >&2; exit 3'),
      (error: unknown) =>
        error instanceof Error &&
        !(error instanceof BenchTimeoutError) &&
        error.message.includes('exit status 3') &&
        error.message.includes('broken peer'),
    );
    const seconds = runShellBounded('true');
    assert.ok(Number.isFinite(seconds) && seconds >= 0);
  });

  test('limits come from the environment in seconds; 0 means none; nonsense is refused', () => {
    assert.equal(limitFromEnv('LIMIT', 900, {}), 900_000);
    assert.equal(limitFromEnv('LIMIT', 900, { LIMIT: '2.5' }), 2500);
    assert.equal(limitFromEnv('LIMIT', 900, { LIMIT: '0' }), Number.POSITIVE_INFINITY);
    assert.throws(() => limitFromEnv('LIMIT', 900, { LIMIT: 'ten' }), /LIMIT must be a number of seconds/);
    assert.throws(() => limitFromEnv('LIMIT', 900, { LIMIT: '-1' }), /LIMIT must be a number of seconds/);
  });

  test('round counts come from the environment; zero, fractions and nonsense are refused', () => {
    assert.equal(runsFromEnv('RUNS', 15, {}), 15);
    assert.equal(runsFromEnv('RUNS', 15, { RUNS: ' ' }), 15);
    assert.equal(runsFromEnv('RUNS', 15, { RUNS: '3' }), 3);
    // Zero rounds would report Infinity or 0 for a row without running a thing.
    for (const bad of ['0', '-2', '1.5', 'many']) {
      assert.throws(() => runsFromEnv('RUNS', 15, { RUNS: bad }), /RUNS must be a whole number of rounds/);
    }
  });

  test('in-process work that never settles is given up at its limit', async () => {
    await assert.rejects(withTimeout(new Promise(() => {}), 50, 'a stuck step'), BenchTimeoutError);
    assert.equal(await withTimeout(Promise.resolve(7), 60_000, 'a quick step'), 7);
    assert.equal(await withTimeout(Promise.resolve(8), Number.POSITIVE_INFINITY, 'an unbounded step'), 8);
  });
});

describe('bench guard: suites', () => {
  test('a suite that throws is reported by name and the suites after it still run', async () => {
    const ran: string[] = [];
    const log: string[] = [];
    const suites: Suite[] = [
      { name: 'first', run: async () => void ran.push('first') },
      {
        name: 'broken',
        run: () => {
          // Throws before returning a promise, as a suite failing in its set-up would.
          throw new Error('peer stopped answering');
        },
      },
      { name: 'rejecting', run: async () => Promise.reject(new Error('gzip worker failed')) },
      { name: 'last', run: async () => void ran.push('last') },
    ];
    const failures = await runSuites(suites, { log: (line) => log.push(line) });
    assert.deepEqual(ran, ['first', 'last']);
    assert.deepEqual(
      failures.map(({ name }) => name),
      ['broken', 'rejecting'],
    );
    assert.ok(
      log.some((line) => line.startsWith('bench: broken FAILED') && line.includes('peer stopped answering')),
    );
    assert.ok(
      log.some((line) => line.startsWith('bench: rejecting FAILED') && line.includes('gzip worker failed')),
    );
  });

  test('a suite that stalls is reported at its limit, its child processes are killed, and the next runs', {
    timeout: 60_000,
  }, async () => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_, signal) => resolve(signal)),
    );
    const ran: string[] = [];
    const suites: Suite[] = [
      { name: 'stalled', run: () => new Promise(() => {}) },
      { name: 'after', run: async () => void ran.push('after') },
    ];
    try {
      const failures = await runSuites(suites, { timeoutMs: 200, log: () => {} });
      assert.deepEqual(
        failures.map(({ name }) => name),
        ['stalled'],
      );
      assert.ok(failures[0]?.error instanceof BenchTimeoutError);
      assert.deepEqual(ran, ['after']);
      assert.equal(await exited, 'SIGKILL');
    } finally {
      child.kill('SIGKILL');
    }
  });
});

test('importing the bench helpers leaves no scratch folder behind once the process exits', async () => {
  const lib = new URL('../../bench/lib.ts', import.meta.url).href;
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { BENCH_DIR } = await import(${JSON.stringify(lib)}); console.log(BENCH_DIR);`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(child.status, 0, child.stderr);
  const folder = child.stdout.trim();
  assert.match(folder, /ocikit-bench-\d+$/);
  assert.equal(existsSync(folder), false, `${folder} was left behind`);
});
