/**
 * The semaphore sync's image slots use: at most N holders at once, handed out in request order,
 * and a slot freed by its holder before its task ends (a written image's signature steps run
 * beside the next copy); releasing twice frees one slot only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { semaphore } from '../../src/copy/sync/semaphore.ts';

test('at most N slots are held at once, and waiting takers get them in request order', async () => {
  const slots = semaphore(2);
  const order: string[] = [];
  const first = await slots.acquire();
  const second = await slots.acquire();
  const third = slots.acquire().then((release) => {
    order.push('third');
    return release;
  });
  const fourth = slots.acquire().then((release) => {
    order.push('fourth');
    return release;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, [], 'no third holder while two hold');
  first();
  first(); // a second release of the same slot frees nothing more
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, ['third']);
  second();
  await fourth;
  assert.deepEqual(order, ['third', 'fourth']);
  (await third)();
  (await fourth)();
});

test('a slot count below one still lets one holder through', async () => {
  const slots = semaphore(0);
  const release = await slots.acquire();
  release();
  (await slots.acquire())();
});
