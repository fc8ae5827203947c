/**
 * chunksOf, the chunk iterator of the ingest hot path: chunks come out one by one as the stream
 * pushed them (a `for await` over a Readable concatenates whatever is buffered into a new Buffer),
 * errors and premature ends reach the consumer, leaving early destroys the stream, and a fast
 * stream is paused while the consumer is behind.
 */
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { chunksOf } from '../../src/store/chunks.ts';

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of source) out.push(chunk);
  return out;
}

test('buffered chunks come out one by one, the same buffers, not concatenated', async () => {
  const pushed = [Buffer.from('one'), Buffer.from('two'), Buffer.from('three')];
  const stream = new PassThrough();
  for (const chunk of pushed) stream.write(chunk);
  stream.end();
  const out = await collect(chunksOf(stream));
  assert.equal(out.length, 3);
  for (const [i, chunk] of out.entries()) assert.equal(chunk, pushed[i]);
  // What chunksOf avoids: the plain async iterator hands the three back as one new buffer.
  const plain = new PassThrough();
  for (const chunk of pushed) plain.write(chunk);
  plain.end();
  assert.equal((await collect(plain)).length, 1);
});

test('an error of the stream is thrown to the consumer after the chunks before it', async () => {
  const stream = new PassThrough();
  stream.write(Buffer.from('before'));
  setImmediate(() => stream.destroy(new Error('connection reset')));
  const out: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of chunksOf(stream)) out.push(Buffer.from(chunk).toString());
    })(),
    /connection reset/,
  );
  assert.deepEqual(out, ['before']);
});

test('a stream closed before its end is a premature close, not a short blob', async () => {
  const stream = new PassThrough();
  stream.write(Buffer.from('part'));
  setImmediate(() => stream.destroy());
  await assert.rejects(collect(chunksOf(stream)), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
});

test('leaving the loop early destroys the stream', async () => {
  const stream = new PassThrough();
  stream.write(Buffer.from('a'));
  stream.write(Buffer.from('b'));
  for await (const _chunk of chunksOf(stream)) break;
  assert.equal(stream.destroyed, true);
});

test('a stream paused beforehand is read, and a fast stream is paused while the consumer is behind', async () => {
  let produced = 0;
  const chunk = Buffer.alloc(64 << 10);
  const stream = new Readable({
    read() {
      produced += chunk.length;
      this.push(produced > 8 << 20 ? null : chunk);
    },
  });
  stream.pause();
  let consumed = 0;
  let mostAhead = 0;
  for await (const piece of chunksOf(stream)) {
    consumed += piece.byteLength;
    mostAhead = Math.max(mostAhead, produced - consumed);
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(consumed, 8 << 20);
  assert.ok(mostAhead < 2 << 20, `the stream ran ${mostAhead} bytes ahead of its consumer`);
});

test('an async iterable that is not a stream is passed through', async () => {
  async function* chunks() {
    yield new Uint8Array([1]);
    yield new Uint8Array([2]);
  }
  assert.deepEqual(await collect(chunksOf(chunks())), [new Uint8Array([1]), new Uint8Array([2])]);
});

test('a stream already ended yields nothing; one already failed throws its error', async () => {
  const ended = new PassThrough();
  ended.end();
  ended.resume();
  await new Promise((resolve) => ended.once('end', resolve));
  assert.deepEqual(await collect(chunksOf(ended)), []);
  const failed = new PassThrough();
  failed.on('error', () => {});
  failed.destroy(new Error('broken before reading'));
  await new Promise((resolve) => setImmediate(resolve));
  await assert.rejects(collect(chunksOf(failed)), /broken before reading/);
});

test('object-mode and text streams keep the ordinary iterator', async () => {
  const objects = Readable.from([{ a: 1 }, { b: 2 }]);
  assert.equal(chunksOf(objects), objects);
  const text = new PassThrough();
  text.setEncoding('utf8');
  assert.equal(chunksOf(text), text);
});
