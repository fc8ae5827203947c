/**
 * Manifests (spec.md "Pulling manifests", "Pushing Manifests", "Deleting Manifests"): GET and
 * HEAD by tag or digest, served with the media type they were pushed with (the bytes, and so the
 * digest, are never rewritten); PUT checked for shape, digest and referenced blobs; DELETE by
 * digest (every tag on it goes) or by tag.
 */
import { type Digest, digestBytes, parseSupportedDigest } from '../digest/index.ts';
import { isOciError } from '../errors/index.ts';
import {
  baseMediaType,
  type Descriptor,
  isNondistributable,
  parseTopDocument,
  type TopDocument,
} from '../spec/index.ts';
import { type OciLayout, REF_NAME, refNameOf } from '../store/index.ts';
import { looksLikeDigest, requireDigest } from './digests.ts';
import { ServeError, SpecCode, serveError } from './errors.ts';
import { readBody, send } from './http.ts';
import { entryForTag, findManifest, manifestUnknown, probeManifest } from './manifest-lookup.ts';
import { isTag } from './names.ts';
import type { RequestContext } from './options.ts';

/** GET or HEAD `/v2/<name>/manifests/<reference>`. */
export async function getManifest(ctx: RequestContext): Promise<void> {
  checkReference(ctx.ref);
  const repo = await ctx.repositories.open(ctx.name);
  const descriptor = await findManifest(ctx.repositories, repo, ctx.ref);
  const headers = {
    'Content-Type': descriptor.mediaType,
    'Docker-Content-Digest': descriptor.digest,
    ETag: `"${descriptor.digest}"`,
  };
  if (ctx.req.method === 'HEAD') {
    send(ctx.res, 200, { ...headers, 'Content-Length': descriptor.size });
    return;
  }
  let bytes: Buffer;
  try {
    bytes = await repo.layout.readBytes(descriptor, ctx.options.maxManifestBytes);
  } catch (err) {
    if (isOciError(err, 'NOT_FOUND')) throw manifestUnknown(ctx.ref);
    throw err;
  }
  send(ctx.res, 200, headers, bytes);
}

/** PUT `/v2/<name>/manifests/<reference>`: 201 with `Location`, `Docker-Content-Digest`, `OCI-Subject`. */
export async function putManifest(ctx: RequestContext): Promise<void> {
  const byDigest = looksLikeDigest(ctx.ref);
  const expected = byDigest ? requireDigest(ctx.ref) : undefined;
  if (!byDigest && !isTag(ctx.ref)) {
    throw serveError(SpecCode.MANIFEST_INVALID, 400, 'invalid tag', { tag: ctx.ref.slice(0, 200) });
  }
  const bytes = await readBody(ctx.req, ctx.options.maxManifestBytes, 'the manifest');
  const document = parseManifestBody(bytes, ctx.req.headers['content-type']);
  const algorithm = expected === undefined ? 'sha256' : parseSupportedDigest(expected).algorithm;
  const digest: Digest = digestBytes(bytes, algorithm);
  if (expected !== undefined && digest !== expected) {
    throw serveError(SpecCode.DIGEST_INVALID, 400, 'the manifest does not match the digest in the URL', {
      expected,
      actual: digest,
    });
  }
  const repo = await ctx.repositories.create(ctx.name);
  await requireReferenced(repo.layout, document);
  await repo.layout.putBytes(bytes, digest);
  const descriptor: Descriptor = { mediaType: document.mediaType, digest, size: bytes.byteLength };
  if (document.value.artifactType !== undefined) descriptor.artifactType = document.value.artifactType;
  const children = new Set(document.kind === 'index' ? document.value.manifests.map((d) => d.digest) : []);
  await repo.layout.updateIndex((index) => {
    const kept = index.manifests.filter((d) => {
      const name = refNameOf(d);
      if (name === undefined) return d.digest !== digest && !children.has(d.digest);
      return byDigest || name !== ctx.ref;
    });
    const listed = kept.some((d) => d.digest === digest);
    if (!byDigest) kept.push({ ...descriptor, annotations: { [REF_NAME]: ctx.ref } });
    else if (!listed) kept.push(descriptor);
    index.manifests = kept;
    return index;
  });
  const headers: Record<string, string> = {
    Location: `/v2/${ctx.name}/manifests/${digest}`,
    'Docker-Content-Digest': digest,
  };
  const subject = document.value.subject;
  if (subject !== undefined) headers['OCI-Subject'] = subject.digest;
  send(ctx.res, 201, headers);
}

/** DELETE `/v2/<name>/manifests/<reference>`: 202; by digest every entry (and the blob) goes. */
export async function deleteManifest(ctx: RequestContext): Promise<void> {
  const repo = await ctx.repositories.open(ctx.name);
  if (!looksLikeDigest(ctx.ref)) {
    if (!isTag(ctx.ref)) throw manifestUnknown(ctx.ref);
    const entry = entryForTag(await ctx.repositories.index(repo), ctx.ref);
    if (entry === undefined) throw manifestUnknown(ctx.ref);
    const name = refNameOf(entry);
    await repo.layout.updateIndex((index) => {
      index.manifests = index.manifests.filter((d) => refNameOf(d) !== name);
      return index;
    });
    send(ctx.res, 202);
    return;
  }
  const digest = requireDigest(ctx.ref);
  let removed = false;
  await repo.layout.updateIndex((index) => {
    const kept = index.manifests.filter((d) => d.digest !== digest);
    removed = kept.length !== index.manifests.length;
    index.manifests = kept;
    return index;
  });
  if (!removed && (await probeManifest(repo, digest)) === undefined) throw manifestUnknown(ctx.ref);
  await repo.layout.delete(digest);
  send(ctx.res, 202);
}

/** A reference must be a tag or a digest (400 MANIFEST_INVALID / DIGEST_INVALID), checked before any lookup. */
function checkReference(reference: string): void {
  if (looksLikeDigest(reference)) requireDigest(reference);
  else if (!isTag(reference)) {
    throw serveError(SpecCode.MANIFEST_INVALID, 400, 'invalid tag', { tag: reference.slice(0, 200) });
  }
}

/** Parses a pushed manifest; 400 MANIFEST_INVALID naming what is wrong. */
function parseManifestBody(bytes: Buffer, contentType: string | undefined): TopDocument {
  try {
    const type = baseMediaType(contentType);
    return parseTopDocument(bytes, type === undefined ? {} : { contentType: type });
  } catch (err) {
    throw new ServeError(SpecCode.MANIFEST_INVALID, 400, `manifest invalid: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Every blob a manifest references must be in the repository (spec.md "Pushing Manifests"), except
 * non-distributable layers; an index's children must be there. 400 MANIFEST_BLOB_UNKNOWN otherwise.
 */
async function requireReferenced(layout: OciLayout, document: TopDocument): Promise<void> {
  const wanted: Descriptor[] =
    document.kind === 'index'
      ? document.value.manifests
      : [document.value.config, ...document.value.layers.filter((d) => !isNondistributable(d.mediaType))];
  const sizes = await Promise.all(wanted.map((d) => layout.stat(d.digest)));
  const missing = wanted.filter((_d, i) => sizes[i] === undefined);
  if (missing.length > 0) {
    throw serveError(SpecCode.MANIFEST_BLOB_UNKNOWN, 400, 'manifest references a blob unknown to registry', {
      digests: missing.slice(0, 20).map((d) => d.digest),
    });
  }
}

/** The artifact type a referrers list shows for a document (spec.md "Listing Referrers"). */
export function artifactTypeOf(document: TopDocument): string | undefined {
  if (document.value.artifactType !== undefined) return document.value.artifactType;
  if (document.kind === 'manifest') return document.value.config.mediaType;
  return undefined;
}
