/**
 * The polling timer the memory watchers run on: busy pace while what it watches moves, idle pace
 * once it has stayed still, busy again from the first movement; `stop` from a look or from outside
 * ends it; a look that throws does not end the process. On mocked timers: the pace is counted,
 * not timed.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { type AdaptivePollOptions, adaptivePoll, type LookResult } from '../../src/cli/adaptive-poll.ts';

const PACE: AdaptivePollOptions = { busyMs: 20, idleMs: 500, stillLooks: 3 };

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

/** Advances mocked time by `ms` in 10 ms steps (a timer set during a step fires in a later one). */
function advance(ms: number, clock: { now: number }): void {
  for (let end = clock.now + ms; clock.now < end; ) {
    clock.now += 10;
    mock.timers.tick(10);
  }
}

/** Runs a poll whose looks answer from `answers` (then `still`) for `ms` of mocked time; the times of its looks. */
function looksOver(ms: number, answers: Array<LookResult | Error>, pace = () => PACE): number[] {
  const times: number[] = [];
  const clock = { now: 0 };
  const poll = adaptivePoll(() => {
    times.push(clock.now);
    const answer = answers.shift() ?? 'still';
    if (answer instanceof Error) throw answer;
    return answer;
  }, pace);
  advance(ms, clock);
  poll.stop();
  return times;
}

test('looks at the busy pace while the watched total moves', () => {
  assert.deepEqual(looksOver(200, Array(20).fill('moved')), [20, 40, 60, 80, 100, 120, 140, 160, 180, 200]);
});

test('slows to the idle pace after the still looks, and speeds up again on movement', () => {
  // Three still looks (20, 40, 60), then idle: the look at 560 moves, so the next is 20 ms later.
  assert.deepEqual(looksOver(700, ['still', 'still', 'still', 'moved']), [20, 40, 60, 560, 580, 600, 620]);
});

test('never slows down when the pace allows no idle spell', () => {
  const busy = { busyMs: 20, idleMs: 20, stillLooks: Number.POSITIVE_INFINITY };
  assert.equal(looksOver(1000, [], () => busy).length, 50);
});

test('the pace is asked before each wait, so a command can change it while the poll runs', () => {
  let pace: AdaptivePollOptions = { busyMs: 100, idleMs: 100, stillLooks: 1 };
  const times = looksOver(400, [], () => {
    const now = pace;
    pace = PACE;
    return now;
  });
  // The first wait took the first pace (100 ms); the later ones the second: 20 ms until its three
  // still looks, then 500 ms (the next look would be at 640).
  assert.deepEqual(times, [100, 120, 140]);
});

test('a look that answers stop ends the poll, and so does stop() from outside', () => {
  assert.deepEqual(looksOver(200, ['moved', 'stop']), [20, 40]);
  let looks = 0;
  const clock = { now: 0 };
  const poll = adaptivePoll(
    () => {
      looks++;
      return 'moved';
    },
    () => PACE,
  );
  advance(50, clock);
  poll.stop();
  advance(1000, clock);
  assert.equal(looks, 2);
});

test('a look that throws counts as still and the poll goes on (no crash from a timer)', () => {
  const times = looksOver(100, [new Error('EMFILE: too many open files'), 'moved', 'moved']);
  assert.deepEqual(times, [20, 40, 60, 80, 100]);
});
