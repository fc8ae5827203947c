/**
 * The referrers API (spec.md "Listing Referrers"): an image index of the manifests in the
 * repository whose `subject` is the digest, filtered by `artifactType` (then `OCI-Filters-Applied:
 * artifactType`). Manifests are immutable, so what each one refers to is remembered by digest.
 */
import type { Descriptor } from '../spec/index.ts';
import { OCI } from '../spec/index.ts';
import { requireDigest } from './digests.ts';
import { sendJson } from './http.ts';
import { probeManifest } from './manifest-lookup.ts';
import { artifactTypeOf } from './manifests.ts';
import type { RequestContext } from './options.ts';

interface Referrer {
  subject: string | undefined;
  descriptor: Descriptor;
}

/** What each known manifest refers to, by `<layout root>\0<digest>`; bounded. */
const known = new Map<string, Referrer>();
const MAX_KNOWN = 50_000;

/** GET `/v2/<name>/referrers/<digest>[?artifactType=]`: 200 with an image index, empty when none. */
export async function listReferrers(ctx: RequestContext): Promise<void> {
  const digest = requireDigest(ctx.ref);
  const filter = ctx.query.get('artifactType');
  let manifests: Descriptor[] = [];
  let repo: Awaited<ReturnType<RequestContext['repositories']['open']>> | undefined;
  try {
    repo = await ctx.repositories.open(ctx.name);
  } catch {
    repo = undefined;
  }
  if (repo !== undefined) {
    const index = await ctx.repositories.index(repo);
    const seen = new Set<string>();
    for (const entry of index.manifests) {
      if (seen.has(entry.digest)) continue;
      seen.add(entry.digest);
      const referrer = await referrerOf(repo, entry.digest);
      if (referrer?.subject === digest) manifests.push(referrer.descriptor);
    }
  }
  const headers: Record<string, string> = { 'Content-Type': OCI.index };
  if (filter !== null) {
    manifests = manifests.filter((d) => d.artifactType === filter);
    headers['OCI-Filters-Applied'] = 'artifactType';
  }
  sendJson(ctx.res, 200, { schemaVersion: 2, mediaType: OCI.index, manifests }, headers);
}

async function referrerOf(
  repo: NonNullable<Awaited<ReturnType<RequestContext['repositories']['open']>>>,
  digest: string,
): Promise<Referrer | undefined> {
  const key = `${repo.layout.root}\0${digest}`;
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  const document = await probeManifest(repo, digest);
  if (document === undefined) return undefined;
  const descriptor: Descriptor = {
    mediaType: document.mediaType,
    digest: document.digest,
    size: document.bytes.byteLength,
  };
  const artifactType = artifactTypeOf(document);
  if (artifactType !== undefined) descriptor.artifactType = artifactType;
  if (document.value.annotations !== undefined) descriptor.annotations = document.value.annotations;
  const referrer = { subject: document.value.subject?.digest, descriptor };
  if (known.size >= MAX_KNOWN) known.clear();
  known.set(key, referrer);
  return referrer;
}
