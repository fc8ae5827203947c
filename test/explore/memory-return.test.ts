/**
 * The explorer gives memory back after a heavy request (src/explore/memory-return.ts): one
 * memory-reducing full collection once a long request ends with none other in flight; none after
 * short requests, one (not two) after overlapping heavy ones, none again until ten times the last
 * collection's time has passed; and only where the server asked for it. Driven by a fake clock
 * and fake request events, so no timing of this machine enters. The peak-memory effect itself is
 * measured in `npm run bench` (the explore rows).
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { GcFunction } from '../../src/compress/gc-hook.ts';
import { startExplorer } from '../../src/explore/index.ts';
import { returnMemoryAfterHeavyRequests } from '../../src/explore/memory-return.ts';

type GcCall = Parameters<GcFunction>[0];

/** A server that only emits events, a clock moved by hand, and a collector that takes `gcMs`. */
function harness(gcMs = 0) {
  let clock = 0;
  const server = new EventEmitter();
  const calls: GcCall[] = [];
  const gc: GcFunction = (options) => {
    calls.push(options);
    clock += gcMs;
  };
  returnMemoryAfterHeavyRequests(server, { gc, heavyMs: 50, now: () => clock });
  /** Starts a request now; the returned function ends it. */
  const start = () => {
    const res = new EventEmitter();
    server.emit('request', {}, res);
    return () => res.emit('close');
  };
  const advance = (ms: number) => {
    clock += ms;
  };
  return { calls, start, advance };
}

test('a heavy request is followed by one memory-reducing full collection', () => {
  const { calls, start, advance } = harness();
  const end = start();
  advance(80);
  end();
  assert.deepEqual(calls, [{ type: 'major', execution: 'sync', flavor: 'last-resort' }]);
});

test('short requests leave memory to V8', () => {
  const { calls, start, advance } = harness();
  for (let i = 0; i < 5; i++) {
    const end = start();
    advance(49);
    end();
  }
  assert.equal(calls.length, 0);
});

test('overlapping heavy requests are followed by one collection, after the last ends', () => {
  const { calls, start, advance } = harness();
  const first = start();
  advance(10);
  const second = start();
  advance(60);
  first();
  assert.equal(calls.length, 0, 'a collection ran while a request was still in flight');
  advance(60);
  second();
  assert.equal(calls.length, 1);
});

test('a short request ending after a heavy one collects for the heavy one', () => {
  const { calls, start, advance } = harness();
  const heavy = start();
  advance(45);
  const short = start();
  advance(15);
  heavy();
  assert.equal(calls.length, 0, 'a collection ran while the short request was in flight');
  advance(15);
  short();
  assert.equal(calls.length, 1);
});

test('after a collection of g ms, none runs for ten times g; the heavy request waiting is collected next', () => {
  const { calls, start, advance } = harness(20);
  const heavy = () => {
    const end = start();
    advance(60);
    end();
  };
  heavy(); // ends at 60, collected until 80: quiet until 280
  heavy(); // ends at 140: within the quiet time
  assert.equal(calls.length, 1);
  advance(150);
  const short = start();
  advance(1);
  short(); // ends at 291: the heavy request left waiting is collected now
  assert.equal(calls.length, 2);
});

test('startExplorer returns memory only when asked, after its requests', async (t) => {
  const calls: GcCall[] = [];
  const gc: GcFunction = (options) => calls.push(options);
  const asked = await startExplorer({ images: [], returnMemory: { gc, heavyMs: 0 } });
  t.after(() => asked.close());
  const plain = await startExplorer({ images: [] });
  t.after(() => plain.close());
  await (await fetch(new URL('api/images', plain.url))).arrayBuffer();
  await (await fetch(new URL('api/images', asked.url))).arrayBuffer();
  // The response's 'close' comes just after the client has the body.
  for (let i = 0; i < 200 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(calls.length, 1);
  assert.equal(plain.server.listenerCount('request'), 1, 'an explorer not asked to returns nothing');
});
