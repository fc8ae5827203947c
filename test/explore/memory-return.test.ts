/**
 * The explorer gives memory back after a heavy request (src/explore/memory-return.ts): one
 * memory-reducing full collection once a long request ends with none other in flight; none after
 * short requests, and one, not two, after two overlapping heavy ones. The peak-memory effect itself
 * is measured in `npm run bench` (explore rows), not asserted here.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GcFunction } from '../../src/compress/gc-hook.ts';
import { startExplorer } from '../../src/explore/index.ts';
import { returnMemoryAfterHeavyRequests } from '../../src/explore/memory-return.ts';

type GcCall = Parameters<GcFunction>[0];

async function serverWithDelays(t: import('node:test').TestContext) {
  const server = createServer((req, res) => {
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
    setTimeout(() => res.end('ok'), ms);
  });
  const calls: GcCall[] = [];
  const gauge = returnMemoryAfterHeavyRequests(server, { gc: (options) => calls.push(options), heavyMs: 40 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const get = async (ms: number) => (await fetch(`${url}?ms=${ms}`)).text();
  // 'close' fires on the server just after the client has its body.
  const settled = () => sleep(20);
  return { calls, gauge, get, settled };
}

test('a heavy request is followed by one memory-reducing full collection', async (t) => {
  const { calls, gauge, get, settled } = await serverWithDelays(t);
  await get(80);
  await settled();
  assert.deepEqual(calls, [{ type: 'major', execution: 'sync', flavor: 'last-resort' }]);
  assert.equal(gauge.collections(), 1);
});

test('short requests leave memory to V8', async (t) => {
  const { calls, get, settled } = await serverWithDelays(t);
  for (let i = 0; i < 5; i++) await get(0);
  await settled();
  assert.equal(calls.length, 0);
});

test('overlapping heavy requests are followed by one collection, after the last ends', async (t) => {
  const { calls, get, settled } = await serverWithDelays(t);
  const first = get(60);
  await sleep(10);
  const second = get(150);
  await first;
  await settled();
  assert.equal(calls.length, 0, 'a collection ran while a request was still in flight');
  await second;
  await settled();
  assert.equal(calls.length, 1);
});

test('a short request ending after a heavy one collects for the heavy one', async (t) => {
  const { calls, get, settled } = await serverWithDelays(t);
  const heavy = get(60);
  await sleep(45);
  const short = get(30);
  await heavy;
  assert.equal(calls.length, 0, 'a collection ran while the short request was in flight');
  await short;
  await settled();
  assert.equal(calls.length, 1);
});

test('startExplorer hooks the memory return onto its server', async (t) => {
  const explorer = await startExplorer({ images: [] });
  t.after(() => explorer.close());
  assert.ok(explorer.server.listenerCount('request') >= 2, 'the memory return listens to requests');
});
