/**
 * What hangs off one document of an image, wherever its transport keeps it: OCI referrers (the
 * referrers API, its tag-schema fallback, or a layout's index.json) and cosign's tag scheme
 * (`sha256-HEX.sig`, `.att`, `.sbom` in the same repository). The Trust page and the DAG open the
 * image's signature store the same way, through {@link openImageStore}.
 */
import type { Digest } from '../../digest/index.ts';
import { ErrorCode, isOciError } from '../../errors/index.ts';
import type { TransportOptions } from '../../transports/index.ts';
import { signatureTag } from '../../trust/cosign/tag-scheme.ts';
import { MAX_SIGNATURES } from '../../trust/limits.ts';
import { isContentError } from '../../trust/rejection.ts';
import { openSignatureStore } from '../../trust/store/open.ts';
import type { SignatureStore } from '../../trust/store/types.ts';

/** The suffixes of cosign's tag scheme: signatures, attestations, SBOMs. */
export type CosignSuffix = 'sig' | 'att' | 'sbom';

const COSIGN_SUFFIXES: CosignSuffix[] = ['sig', 'att', 'sbom'];

/** The tag cosign keeps `digest`'s `suffix` manifest under: `ALG-HEX.sig`, `.att` or `.sbom`. */
export function cosignTag(digest: string, suffix: CosignSuffix): string {
  return signatureTag(digest).replace(/\.sig$/, `.${suffix}`);
}

/** One manifest referring to a document: an OCI referrer or a cosign tag-scheme manifest. */
export interface FoundReferrer {
  digest: string;
  mediaType: string;
  size: number;
  artifactType?: string;
  /** How it is attached: `referrer` (its `subject`), or `cosign .sig` / `.att` / `.sbom`. */
  scheme: string;
  /** The tag a cosign tag-scheme manifest is kept under. */
  tag?: string;
  /** What refers to it in turn. */
  referrers: FoundReferrer[];
}

/** Most referrers found for one image (all its documents together). */
export const MAX_IMAGE_REFERRERS = MAX_SIGNATURES * 4;

/** How deep referrers of referrers are followed. */
const MAX_DEPTH = 4;

/**
 * The signature store of the image `reference` names, or undefined for a transport that keeps
 * none (archives, `dir:` folders). The caller closes it.
 */
export async function openImageStore(
  reference: string,
  transport: TransportOptions = {},
): Promise<SignatureStore | undefined> {
  try {
    return await openSignatureStore(reference, transport);
  } catch (err) {
    if (!isOciError(err, ErrorCode.UNSUPPORTED)) throw err;
    return undefined;
  }
}

/** The cosign tag-scheme manifests of `digest` (a missing or unreadable tag is left out). */
async function cosignManifests(store: SignatureStore, digest: string): Promise<FoundReferrer[]> {
  const out: FoundReferrer[] = [];
  for (const suffix of COSIGN_SUFFIXES) {
    const tag = cosignTag(digest, suffix);
    let document: Awaited<ReturnType<SignatureStore['readTag']>>;
    try {
      document = await store.readTag(tag);
    } catch (err) {
      if (isContentError(err)) continue; // The Trust page reports why it cannot be read.
      throw err;
    }
    if (document === undefined) continue;
    const found: FoundReferrer = {
      digest: document.digest,
      mediaType: document.mediaType,
      size: document.bytes.byteLength,
      scheme: `cosign .${suffix}`,
      tag,
      referrers: [],
    };
    const { artifactType } = document.value;
    if (artifactType !== undefined) found.artifactType = artifactType;
    out.push(found);
  }
  return out;
}

/** What one image's lookups share: the digests already placed, and how many more may be found. */
export interface ReferrerSearch {
  /** Subjects and referrers already in the DAG (a referrer is listed once, cycles end). */
  seen: Set<string>;
  /** Referrers still allowed for the image, at most {@link MAX_IMAGE_REFERRERS} in all. */
  budget: { left: number };
}

/**
 * Everything referring to `digest` in `store`, and what refers to those (at most
 * {@link MAX_DEPTH} levels), within the search's budget; a digest already seen is not listed again.
 */
export async function referrersOf(
  store: SignatureStore,
  digest: string,
  search: ReferrerSearch = { seen: new Set([digest]), budget: { left: MAX_IMAGE_REFERRERS } },
  depth = MAX_DEPTH,
): Promise<FoundReferrer[]> {
  if (depth <= 0) return [];
  const found: FoundReferrer[] = [];
  for (const d of await store.referrers(digest as Digest)) {
    const entry: FoundReferrer = {
      digest: d.digest,
      mediaType: d.mediaType,
      size: d.size,
      scheme: 'referrer',
      referrers: [],
    };
    if (d.artifactType !== undefined) entry.artifactType = d.artifactType;
    found.push(entry);
  }
  found.push(...(await cosignManifests(store, digest)));
  const out: FoundReferrer[] = [];
  for (const entry of found) {
    if (search.seen.has(entry.digest) || search.budget.left <= 0) continue;
    search.seen.add(entry.digest);
    search.budget.left--;
    entry.referrers = await referrersOf(store, entry.digest, search, depth - 1);
    out.push(entry);
  }
  return out;
}
