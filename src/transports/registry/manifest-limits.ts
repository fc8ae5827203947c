/** Size limits for documents fetched from a registry (distribution-spec "Pushing Manifests": at least 4 MB). */
import type { Readable } from 'node:stream';
import { ErrorCode, OciError } from '../../errors/index.ts';

/** The largest manifest or index accepted (distribution caps manifests at 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** The largest JSON listing (tags, catalog, referrers page) accepted. */
export const MAX_LISTING_BYTES = 32 * 1024 * 1024;

/**
 * Reads a body into memory, failing with TOO_LARGE as soon as it passes `limit` bytes (never
 * buffering more), or at once when the declared `Content-Length` already does.
 */
export async function readLimited(
  body: Readable,
  limit: number,
  contentLength: string | undefined,
  what: string,
): Promise<Buffer> {
  const declared = contentLength === undefined ? undefined : Number(contentLength);
  const tooLarge = () =>
    new OciError(ErrorCode.TOO_LARGE, `${what} is larger than the ${limit}-byte limit`, { data: { limit } });
  if (declared !== undefined && declared > limit) {
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > limit) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
