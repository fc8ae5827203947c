/**
 * Blob uploads (spec.md "Pushing blobs"): monolithic `POST ?digest=`, POST then PUT, chunked
 * PATCH with `Content-Range`, upload status GET, cancel DELETE, and cross-repository mount
 * (`?mount=&from=`, falling back to an upload session when the blob cannot be mounted).
 */
import type { IncomingMessage } from 'node:http';
import { isOciError } from '../errors/index.ts';
import { linkBlob } from '../store/link-blob.ts';
import { blobUnknown } from './blobs.ts';
import { requireDigest } from './digests.ts';
import { ServeError, SpecCode, serveError } from './errors.ts';
import { declaredLength, send } from './http.ts';
import { isRepositoryName } from './names.ts';
import type { RequestContext } from './options.ts';
import { rangeOf, type UploadSession } from './upload-sessions.ts';

/** POST `/v2/<name>/blobs/uploads/`: a monolithic upload, a mount, or a new session (202). */
export async function startUpload(ctx: RequestContext): Promise<void> {
  const mount = ctx.query.get('mount');
  const from = ctx.query.get('from');
  const digestParam = ctx.query.get('digest');
  const repo = await ctx.repositories.create(ctx.name);
  if (mount !== null && from !== null && isRepositoryName(from)) {
    const digest = requireDigest(mount);
    if (await mountBlob(ctx, digest, from)) {
      blobCreated(ctx, digest);
      return;
    }
  }
  if (digestParam !== null) {
    const digest = requireDigest(digestParam);
    const size = declaredLength(ctx.req);
    try {
      await repo.layout.ingest(ctx.req, size === undefined ? { digest } : { digest, size });
    } catch (err) {
      throw uploadError(err, digest);
    }
    blobCreated(ctx, digest);
    return;
  }
  const session = await ctx.uploads.start(ctx.name, repo.layout);
  ctx.req.resume();
  send(ctx.res, 202, sessionHeaders(ctx, session));
}

/** PATCH `/v2/<name>/blobs/uploads/<id>`: appends a chunk (202 with the new `Range`). */
export async function patchUpload(ctx: RequestContext): Promise<void> {
  const session = ctx.uploads.get(ctx.name, ctx.ref);
  checkContentRange(ctx.req, session);
  await appendBody(ctx, session);
  send(ctx.res, 202, sessionHeaders(ctx, session));
}

/** PUT `/v2/<name>/blobs/uploads/<id>?digest=`: the last chunk (optional) and the commit (201). */
export async function finishUpload(ctx: RequestContext): Promise<void> {
  const session = ctx.uploads.get(ctx.name, ctx.ref);
  const digest = requireDigest(ctx.query.get('digest'));
  if (ctx.req.headers['content-range'] !== undefined) checkContentRange(ctx.req, session);
  await appendBody(ctx, session);
  try {
    await ctx.uploads.commit(session, digest);
  } catch (err) {
    throw uploadError(err, digest);
  }
  blobCreated(ctx, digest);
}

/** GET `/v2/<name>/blobs/uploads/<id>`: 204 with the `Range` received so far. */
export function uploadStatus(ctx: RequestContext): void {
  const session = ctx.uploads.get(ctx.name, ctx.ref);
  send(ctx.res, 204, sessionHeaders(ctx, session));
}

/** DELETE `/v2/<name>/blobs/uploads/<id>`: cancels the session (204). */
export async function cancelUpload(ctx: RequestContext): Promise<void> {
  const session = ctx.uploads.get(ctx.name, ctx.ref);
  await ctx.uploads.drop(session);
  send(ctx.res, 204);
}

/**
 * Mounts `digest` from repository `from` when it holds it: a hard link between the two layouts
 * (store/link-blob.ts), else a copy verified on the way in; false when `from` lacks it.
 */
async function mountBlob(ctx: RequestContext, digest: string, from: string): Promise<boolean> {
  let source: Awaited<ReturnType<RequestContext['repositories']['open']>>;
  try {
    source = await ctx.repositories.open(from);
  } catch {
    return false;
  }
  const size = await source.layout.stat(digest);
  if (size === undefined) return false;
  const target = await ctx.repositories.open(ctx.name);
  ctx.req.resume();
  if (source.layout.root === target.layout.root) return true;
  if (await linkBlob(source.layout, target.layout, digest, size)) return true;
  await target.layout.ingest(await source.layout.get({ digest, size }), { digest, size });
  return true;
}

/** Appends the request body to the session, refusing a body longer than its Content-Length. */
async function appendBody(ctx: RequestContext, session: UploadSession): Promise<void> {
  declaredLength(ctx.req);
  await ctx.uploads.append(session, ctx.req);
}

/**
 * A chunk's `Content-Range: <start>-<end>` must start where the session ends (spec.md "Pushing a
 * blob in chunks"): 416 with the current `Range` otherwise; its length must match Content-Length.
 */
function checkContentRange(req: IncomingMessage, session: UploadSession): void {
  const header = req.headers['content-range'];
  if (header === undefined) return;
  const match = /^(?:bytes[ =])?(\d{1,15})-(\d{1,15})(?:\/(?:\d{1,15}|\*))?$/.exec(header.trim());
  const outOfOrder = () =>
    new ServeError(SpecCode.BLOB_UPLOAD_INVALID, 416, 'chunk out of order', {
      data: { expectedStart: session.size },
      headers: {
        Location: `/v2/${session.name}/blobs/uploads/${session.id}`,
        Range: rangeOf(session.size),
        'Docker-Upload-UUID': session.id,
      },
    });
  if (match === null) throw outOfOrder();
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (start !== session.size || end < start) throw outOfOrder();
  const length = declaredLength(req);
  if (length !== undefined && length !== end - start + 1) {
    throw serveError(SpecCode.SIZE_INVALID, 400, 'Content-Range and Content-Length disagree', {
      contentRange: header.slice(0, 100),
    });
  }
}

function sessionHeaders(ctx: RequestContext, session: UploadSession): Record<string, string> {
  return {
    Location: `/v2/${ctx.name}/blobs/uploads/${session.id}`,
    Range: rangeOf(session.size),
    'Docker-Upload-UUID': session.id,
    'OCI-Chunk-Min-Length': '0',
  };
}

function blobCreated(ctx: RequestContext, digest: string): void {
  send(ctx.res, 201, {
    Location: `/v2/${ctx.name}/blobs/${digest}`,
    'Docker-Content-Digest': digest,
  });
}

/** A store failure while committing an upload, as the spec's error. */
function uploadError(err: unknown, digest: string): unknown {
  if (err instanceof ServeError) return err;
  if (isOciError(err, 'DIGEST_MISMATCH')) {
    return serveError(SpecCode.DIGEST_INVALID, 400, 'provided digest did not match uploaded content', {
      digest,
    });
  }
  if (isOciError(err, 'SIZE_MISMATCH')) {
    return serveError(SpecCode.SIZE_INVALID, 400, 'the content length does not match the upload', {
      digest,
    });
  }
  if (isOciError(err, 'NOT_FOUND')) return blobUnknown(digest);
  return err;
}
