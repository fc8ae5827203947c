/** Reading whole small blobs (manifests, configs) from streams, with a hard size cap. */
import type { Readable } from 'node:stream';
import { ErrorCode, OciError } from '../errors/index.ts';

/** Collects a stream into one buffer, failing with TOO_LARGE as soon as it exceeds `maxBytes`. */
export async function readAll(
  stream: Readable | AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      (stream as Readable).destroy?.();
      throw new OciError(ErrorCode.TOO_LARGE, `document larger than the ${maxBytes}-byte limit`, {
        data: { limit: maxBytes },
      });
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}
