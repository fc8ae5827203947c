/**
 * A layer's tar is produced chunk by chunk: a big file from the context is handed on as each
 * 1 MiB chunk fills, never held whole (a 1 GiB COPY must not cost 1 GiB of memory).
 */
import assert from 'node:assert/strict';
import { truncateSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { tarOf } from '../../src/build/copy/tar-stream.ts';
import { makeEntry } from '../../src/tar/entry.ts';
import { scratch } from '../helpers/tmp.ts';

test('the first chunk of a big file is handed on before the file is read whole', async (t) => {
  const dir = await scratch(t);
  const path = `${dir}/big`;
  const size = 128 << 20;
  writeFileSync(path, '');
  truncateSync(path, size);
  const before = process.memoryUsage().arrayBuffers;
  const stream = tarOf([{ entry: makeEntry({ path: 'big', type: 'file', size }), file: path }]);
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  // Buffers still referenced when the first chunk arrives: a few 1 MiB chunks, not the file.
  const grown = process.memoryUsage().arrayBuffers - before;
  await iterator.return?.();
  assert.ok(grown < 32 << 20, `${grown} bytes of buffers were held to hand on the first chunk`);
});
