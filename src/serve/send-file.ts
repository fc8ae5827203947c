/**
 * Sends a byte range of an open file as a response body with two reused buffers: one is read into
 * while the other is being written to the socket, so a blob of any size costs two buffers and no
 * garbage (a fresh buffer per chunk made the collector the second-largest cost of a pull).
 */
import type { FileHandle } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';

/** Bytes per read and per socket write. */
const CHUNK = 1 << 20;

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
  const size = Math.min(CHUNK, total);
  const buffers =
    total > size ? [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)] : [Buffer.allocUnsafe(size)];
  // Per buffer: settled once the socket has taken the last write made from it.
  const flushed: Promise<void>[] = buffers.map(() => Promise.resolve());
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
      flushed[index] = new Promise<void>((resolve) => {
        // An error here means the connection broke; `closed` reports that.
        res.write(buffer.subarray(0, bytesRead), () => resolve());
      });
    }
    if (!gone) res.end();
  } catch (err) {
    res.destroy(err as Error);
  }
}
