/**
 * The send buffers of a blob download go back to the spares only once the socket has taken every
 * write made from them: never while a write is still pending, never after a write failed, never
 * from a download the client left. Driven through a stand-in response whose writes complete only
 * when the test says so (a real socket completes them on its own schedule).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type FileHandle, open, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { sendBufferCounts, sendFileRange } from '../../src/serve/send-file.ts';
import { scratch } from '../helpers/tmp.ts';

/** A response whose writes are held until the test completes them, one by one. */
class HeldResponse extends EventEmitter {
  destroyed = false;
  ended = false;
  readonly written: Buffer[] = [];
  readonly pending: ((err?: Error | null) => void)[] = [];

  write(chunk: Buffer, callback: (err?: Error | null) => void): boolean {
    this.written.push(Buffer.from(chunk));
    this.pending.push(callback);
    return true;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }

  /** Completes the oldest held write, with `err` when given. */
  complete(err?: Error): void {
    const callback = this.pending.shift();
    assert.ok(callback !== undefined, 'a write is held');
    callback(err ?? null);
  }
}

/** Lets the event loop run until `done()` holds (file reads go through the thread pool). */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
  assert.ok(done(), 'the download reached the expected point');
}

/** Lets queued callbacks and promise reactions run (enough turns for any that were due). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A file of 3 MiB and a byte (four writes through two 1 MiB buffers), open for reading. */
async function blobFile(t: TestContext): Promise<{ handle: FileHandle; bytes: Buffer }> {
  const bytes = randomBytes(3 * (1 << 20) + 1);
  const path = join(await scratch(t, 'ocikit-send-file-'), 'blob');
  await writeFile(path, bytes);
  const handle = await open(path);
  t.after(() => handle.close());
  return { handle, bytes };
}

/** Starts sending the whole file and completes writes until the last one is held with one other. */
async function sendUntilLastTwoHeld(handle: FileHandle, size: number, res: HeldResponse): Promise<void> {
  const sending = sendFileRange(handle, 0, size - 1, res as unknown as ServerResponse);
  await until(() => res.pending.length === 2);
  res.complete(); // frees the first buffer for the third write
  await until(() => res.written.length === 3);
  res.complete(); // frees the second buffer for the fourth
  await sending;
  assert.equal(res.ended, true);
  assert.equal(res.pending.length, 2, 'the last write of each buffer is still held');
}

test('send buffers come back as spares only after the socket has taken every write made from them', async (t) => {
  const { handle, bytes } = await blobFile(t);
  const res = new HeldResponse();
  await sendUntilLastTwoHeld(handle, bytes.length, res);
  assert.ok(Buffer.concat(res.written).equals(bytes), 'the bytes written are the file');
  const spares = sendBufferCounts().spare;
  res.complete();
  await settle();
  assert.equal(sendBufferCounts().spare, spares, 'not while the other buffer has a write held');
  res.complete();
  await until(() => sendBufferCounts().spare === spares + 2);
});

test('send buffers of a download whose write failed are not kept', async (t) => {
  const { handle, bytes } = await blobFile(t);
  const res = new HeldResponse();
  await sendUntilLastTwoHeld(handle, bytes.length, res);
  const spares = sendBufferCounts().spare;
  res.complete(new Error('connection reset'));
  res.complete();
  await settle();
  assert.equal(sendBufferCounts().spare, spares);
});

test('send buffers of a download the client left are not kept, even once its writes complete', async (t) => {
  const { handle, bytes } = await blobFile(t);
  const res = new HeldResponse();
  const spares = sendBufferCounts().spare;
  const sending = sendFileRange(handle, 0, bytes.length - 1, res as unknown as ServerResponse);
  await until(() => res.pending.length === 2);
  res.destroy();
  await sending;
  res.complete();
  res.complete();
  await settle();
  assert.equal(res.ended, false);
  assert.ok(sendBufferCounts().spare <= spares, 'no buffer came back');
});
