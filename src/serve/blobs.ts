/**
 * Blob reads and deletes (spec.md "Pulling blobs", "Deleting Blobs"): GET and HEAD with one
 * `Range: bytes=a-b` (206 or 416 with `Content-Range: bytes *\/size`), DELETE answering 202.
 * A GET sends the file as it is on disk, without hashing it again: every blob was verified when it
 * was committed (upload-sessions.ts, the store's ingest), every client verifies what it pulls,
 * and `ocikit fsck` finds a blob damaged on disk afterwards. Distribution serves its files the same
 * way. The size is the file's own (fstat of the opened file), and a file that shrinks while being
 * sent cuts the connection rather than end the body short.
 */

import { isOciError } from '../errors/index.ts';
import { openRegularFile, type RegularFile } from '../store/safe-file.ts';
import { requireDigest } from './digests.ts';
import { ServeError, SpecCode, serveError } from './errors.ts';
import { send } from './http.ts';
import type { RequestContext } from './options.ts';
import { sendFileRange } from './send-file.ts';

/** GET or HEAD `/v2/<name>/blobs/<digest>`. */
export async function getBlob(ctx: RequestContext): Promise<void> {
  const digest = requireDigest(ctx.ref);
  const repo = await ctx.repositories.open(ctx.name);
  // stat checks the blob folders (a symlinked one is refused) before anything is opened.
  const size = await repo.layout.stat(digest);
  if (size === undefined) throw blobUnknown(digest);
  const headers = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest,
    'Accept-Ranges': 'bytes',
    ETag: `"${digest}"`,
  };
  if (ctx.req.method === 'HEAD') {
    parseRange(ctx.req.headers.range, size);
    send(ctx.res, 200, { ...headers, 'Content-Length': size });
    return;
  }
  let file: RegularFile;
  try {
    file = await openRegularFile(repo.layout.blobPath(digest));
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) throw blobUnknown(digest);
    throw err;
  }
  try {
    const range = parseRange(ctx.req.headers.range, file.size);
    if (range === undefined) {
      ctx.res.writeHead(200, { ...headers, 'Content-Length': file.size });
      await sendFileRange(file.handle, 0, file.size - 1, ctx.res);
      return;
    }
    ctx.res.writeHead(206, {
      ...headers,
      'Content-Length': range.end - range.start + 1,
      'Content-Range': `bytes ${range.start}-${range.end}/${file.size}`,
    });
    await sendFileRange(file.handle, range.start, range.end, ctx.res);
  } finally {
    await file.handle.close().catch(() => {});
  }
}

/** DELETE `/v2/<name>/blobs/<digest>`: 202, or 404 BLOB_UNKNOWN. */
export async function deleteBlob(ctx: RequestContext): Promise<void> {
  const digest = requireDigest(ctx.ref);
  const repo = await ctx.repositories.open(ctx.name);
  if (!(await repo.layout.delete(digest))) throw blobUnknown(digest);
  send(ctx.res, 202, { 'Docker-Content-Digest': digest });
}

/** 404 BLOB_UNKNOWN for `digest`. */
export function blobUnknown(digest: string) {
  return serveError(SpecCode.BLOB_UNKNOWN, 404, 'blob unknown to registry', { digest });
}

/**
 * The one byte range of a `Range` header (RFC 9110 §14.1.2: `bytes=a-b`, `bytes=a-`, `bytes=-n`),
 * or undefined without one. Several ranges, or one outside the blob, are 416.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const unsatisfiable = () =>
    new ServeError(SpecCode.SIZE_INVALID, 416, 'requested range not satisfiable', {
      data: { size },
      headers: { 'Content-Range': `bytes */${size}` },
    });
  const match = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (match === null || (match[1] === '' && match[2] === '')) throw unsatisfiable();
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) throw unsatisfiable();
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || end < start) throw unsatisfiable();
  return { start, end };
}
