/**
 * V8 flags are global to the process, and code that wants the collector as a function turns
 * `--expose-gc` on only while it makes its own context (the gzip workers, the server, the CLI's
 * memory governor). Turned off by another thread at the wrong moment, a worker used to fail its
 * start with "gc is not defined", and the compression with it. Alone in its file: each test file
 * runs in a process of its own, so the gzip workers here are started while the flag is off.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gunzipSync } from 'node:zlib';
import { obtainGc } from '../../src/compress/gc-hook.ts';
import { createGzipCompressor } from '../../src/compress/index.ts';

test('gzip workers that start while another thread turns --expose-gc off still compress', async () => {
  const input = randomBytes(5 << 20);
  const compressor = createGzipCompressor({ threads: 2 });
  const chunks: Buffer[] = [];
  compressor.on('data', (chunk: Buffer) => chunks.push(chunk));
  let finished = false;
  const done = new Promise<void>((resolve, reject) => {
    compressor.on('end', resolve);
    compressor.on('error', reject);
  }).finally(() => {
    finished = true;
  });
  // The first full block goes to the pool at once, which starts the workers.
  compressor.write(input);
  compressor.end();
  // The flag is held off in bursts until the compression settles, however slowly the workers start.
  while (!finished) {
    const until = Date.now() + 5;
    while (Date.now() < until) setFlagsFromString('--no-expose-gc');
    await setImmediate();
  }
  await done;
  assert.ok(gunzipSync(Buffer.concat(chunks)).equals(input));
});

test('the collector hook is a function, and the flag is off again after it is taken', () => {
  const gc = obtainGc();
  assert.equal(typeof gc, 'function');
  gc?.({ type: 'minor', execution: 'sync' });
  assert.equal(runInNewContext('typeof gc'), 'undefined');
});
