/**
 * Sends a byte range of an open file as a response body through two buffers, taken in turn: one
 * is read into while the other is being written to the socket, so a blob of any size costs at most
 * two buffers and no garbage (a fresh buffer per chunk made the collector the second-largest cost
 * of a pull).
 *
 * The buffers outlive the download: once the socket has taken every write made from them, they go
 * to a small spare list that the next downloads take from. Made afresh for each blob, they piled
 * up a few MiB per pull, and the memory governor (src/cli/memory.ts) answered every pull of the
 * bench image from a running server with a full collection of 10-17 ms, during which the server
 * answered nobody. Now only the first downloads of a process make buffers, and those beyond four
 * at once.
 */
import type { FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/** Bytes per read and per socket write. */
const CHUNK = 1 << 20;
/** Ranges at most this long get a buffer of their own size (a manifest, a config, a small layer). */
const SMALL = 64 << 10;
/** Spare buffers kept for the next downloads: two each for four at once (8 MiB). */
const SPARES_KEPT = 8;

const spares: Buffer[] = [];
let made = 0;

/** Full-size send buffers this process has made so far, and how many wait as spares (for tests). */
export function sendBufferCounts(): { made: number; spare: number } {
  return { made, spare: spares.length };
}

/** A full-size send buffer: a spare if one is left, else a new one. */
function takeBuffer(): Buffer {
  const spare = spares.pop();
  if (spare !== undefined) return spare;
  made++;
  return Buffer.allocUnsafe(CHUNK);
}

/**
 * Writes bytes `start`..`end` (inclusive) of `handle` to `res` and ends it. Headers (with the
 * Content-Length of the range) must already be written. When the file turns out shorter than the
 * range (it changed after its size was read), the connection is cut rather than the response
 * ended short, so the client sees a failed transfer instead of a truncated blob. Resolves once the
 * body is handed to the socket, or when the client has gone.
 */
export async function sendFileRange(
  handle: FileHandle,
  start: number,
  end: number,
  res: ServerResponse,
): Promise<void> {
  const total = end - start + 1;
  if (total <= 0) {
    res.end();
    return;
  }
  const fromSpares = total > SMALL;
  const count = total > CHUNK ? 2 : 1;
  const buffers = Array.from({ length: count }, () =>
    fromSpares ? takeBuffer() : Buffer.allocUnsafe(total),
  );
  // Per buffer: settled once the socket has taken the last write made from it.
  const flushed: Promise<void>[] = buffers.map(() => Promise.resolve());
  let writeFailed = false;
  let gone = false;
  const closed = new Promise<void>((resolve) => {
    const onClose = () => {
      gone = true;
      resolve();
    };
    if (res.destroyed) onClose();
    else res.once('close', onClose);
  });
  let position = start;
  let turn = 0;
  try {
    while (position <= end && !gone) {
      const index = turn++ % buffers.length;
      await Promise.race([flushed[index], closed]);
      if (gone) return;
      const buffer = buffers[index] as Buffer;
      const length = Math.min(buffer.length, end - position + 1);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      if (bytesRead === 0) {
        res.destroy();
        return;
      }
      position += bytesRead;
      const taken = Promise.withResolvers<void>();
      flushed[index] = taken.promise;
      // Written outside the promise, so that a write that throws ends the download (below) rather
      // than leaving a rejected promise no one waits for. An error in the callback means the
      // connection broke (`closed` reports that too, perhaps later): the buffers are not kept.
      res.write(buffer.subarray(0, bytesRead), (err) => {
        if (err) writeFailed = true;
        taken.resolve();
      });
    }
    if (gone) return;
    res.end();
    // Kept only once the socket holds no reference to them: every write made from them was
    // taken. A download cut short leaves its buffers to the collector.
    if (fromSpares) {
      void Promise.all(flushed).then(() => {
        if (writeFailed) return;
        for (const buffer of buffers) if (spares.length < SPARES_KEPT) spares.push(buffer);
      });
    }
  } catch (err) {
    res.destroy(err as Error);
  }
}
