/**
 * Finding a manifest of a repository by tag or digest. Tags and pushed digests live in the
 * layout's index.json (image-layout.md: ref names are tags); a digest not listed there is still a
 * manifest when its blob parses as one (the children of an index written by `ocikit copy`).
 */
import { digestBytes } from '../digest/index.ts';
import { type Descriptor, type ImageIndex, parseTopDocument, type TopDocument } from '../spec/index.ts';
import { refNameOf, tagOfRefName } from '../store/index.ts';
import { looksLikeDigest, requireDigest } from './digests.ts';
import { SpecCode, serveError } from './errors.ts';
import { isTag } from './names.ts';
import type { Repositories, Repository } from './repositories.ts';

/** Largest blob read to find out whether it is a manifest. */
const MAX_PROBE_BYTES = 4 * 1024 * 1024;

/** The index.json entry named `tag` (exact ref name first, then the tag of a full reference). */
export function entryForTag(index: ImageIndex, tag: string): Descriptor | undefined {
  const exact = index.manifests.find((d) => refNameOf(d) === tag);
  if (exact !== undefined) return exact;
  return index.manifests.find((d) => {
    const name = refNameOf(d);
    return name !== undefined && name !== tag && tagOfRefName(name) === tag;
  });
}

/** The descriptor of the manifest `reference` names; 404 MANIFEST_UNKNOWN when there is none. */
export async function findManifest(
  repositories: Repositories,
  repo: Repository,
  reference: string,
): Promise<Descriptor> {
  const index = await repositories.index(repo);
  if (!looksLikeDigest(reference)) {
    if (!isTag(reference)) {
      throw serveError(SpecCode.MANIFEST_INVALID, 400, 'invalid tag', { tag: reference.slice(0, 200) });
    }
    const entry = entryForTag(index, reference);
    if (entry === undefined) throw manifestUnknown(reference);
    return entry;
  }
  const digest = requireDigest(reference);
  const listed = index.manifests.find((d) => d.digest === digest);
  if (listed !== undefined) return listed;
  const document = await probeManifest(repo, digest);
  if (document === undefined) throw manifestUnknown(reference);
  return { mediaType: document.mediaType, digest, size: document.bytes.byteLength };
}

/** The blob `digest` parsed as a manifest or index, or undefined when it is absent or not one. */
export async function probeManifest(repo: Repository, digest: string): Promise<TopDocument | undefined> {
  const size = await repo.layout.stat(digest);
  if (size === undefined || size > MAX_PROBE_BYTES) return undefined;
  try {
    const bytes = await repo.layout.readBytes({ digest, size }, MAX_PROBE_BYTES);
    const document = parseTopDocument(bytes);
    return { ...document, digest: digestBytes(bytes, digest.startsWith('sha512:') ? 'sha512' : 'sha256') };
  } catch {
    return undefined;
  }
}

/** 404 MANIFEST_UNKNOWN for `reference`. */
export function manifestUnknown(reference: string) {
  return serveError(SpecCode.MANIFEST_UNKNOWN, 404, 'manifest unknown to registry', {
    reference: reference.slice(0, 200),
  });
}
