/**
 * Content discovery of referrers (distribution-spec "Listing Referrers"): the referrers API, and
 * the tag-schema fallback a client must read and maintain when the registry lacks the API.
 */
import { type Digest, isDigest, parseSupportedDigest } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { OCI } from '../../spec/media-types.ts';
import type { Descriptor } from '../../spec/types.ts';
import { repositoryScope } from './auth-contract.ts';
import type { CallOptions, RegistryClient } from './client.ts';
import { header } from './http.ts';
import { ListingBudget } from './listing-budget.ts';
import { referrersTag } from './referrers-tag.ts';
import { nextLink } from './url.ts';

/** Options of a referrers query. */
export interface ReferrersOptions extends CallOptions {
  /** Only referrers of this artifact type (end-12b); filtered here when the registry did not. */
  artifactType?: string;
  /**
   * Every tag of the repository, listed just before (a sync's listing): when the fallback tag is
   * not among them it is not asked for. Without it, the fallback tag is always asked for.
   */
  knownTags?: ReadonlySet<string>;
}

/** The referrers of a subject and where they were found. */
export interface ReferrersResult {
  descriptors: Descriptor[];
  /** `api` for the referrers endpoint, `tag` for the tag-schema fallback. */
  via: 'api' | 'tag';
}

/** Reads the descriptors of an index-shaped JSON value, refusing malformed entries. */
function indexEntries(value: unknown): Descriptor[] | undefined {
  const manifests = (value as { manifests?: unknown } | null)?.manifests;
  if (typeof value !== 'object' || value === null || !Array.isArray(manifests)) return undefined;
  const out: Descriptor[] = [];
  for (const entry of manifests) {
    const d = entry as Partial<Descriptor> | null;
    if (
      typeof d !== 'object' ||
      d === null ||
      typeof d.mediaType !== 'string' ||
      !isDigest(d.digest) ||
      !Number.isSafeInteger(d.size) ||
      (d.size as number) < 0
    ) {
      throw new OciError(ErrorCode.INVALID_DOCUMENT, 'referrers index holds a malformed descriptor');
    }
    out.push(d as Descriptor);
  }
  return out;
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new OciError(ErrorCode.INVALID_DOCUMENT, `${what} is not JSON`, { cause: err });
  }
}

/**
 * What the registries (host[:port]) behind a dispatcher (the kept-alive connections their clients
 * share) showed of the referrers API, as long as those connections live (a sync or a copy finds
 * out once, not once per image):
 * - `missing`: the endpoint answered with a bare 404. A registry with the API never answers it
 *   with 404 (distribution-spec "Listing Referrers"); a 404 that is no distribution error (no
 *   `errors` body, as for a route the registry does not have) means the API is missing, so the
 *   clients go straight to the fallback tag.
 * - `present`: the endpoint answered with an index; the fallback tag is asked for only on a 404.
 * - `probing`: a lookup that asked for the fallback tag beside the API has not had its answer yet;
 *   the lookups started meanwhile (an explorer's, a sync's) do not ask for the tag early too.
 */
type ApiState = 'missing' | 'present' | 'probing';
const referrersApi = new WeakMap<object, Map<string, ApiState>>();

function rememberReferrersApi(dispatcher: object, host: string, state: ApiState | undefined): void {
  const hosts = referrersApi.get(dispatcher) ?? new Map<string, ApiState>();
  if (state === undefined) hosts.delete(host);
  else hosts.set(host, state);
  referrersApi.set(dispatcher, hosts);
}

/**
 * The fallback tag read started beside the API: its outcome is read later (a rejection is held,
 * never unhandled), or it is stopped when the API answered, so that a retried or slow tag read
 * never holds up an answer the lookup already has.
 */
interface EarlyFallback {
  value(): Promise<Descriptor[] | undefined>;
  /** Stops the read (if still running) and waits until it has ended. */
  drop(): Promise<void>;
}

function startFallbackEarly(
  client: RegistryClient,
  repository: string,
  subject: string,
  options: ReferrersOptions,
): EarlyFallback {
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const settled = readFallbackIndex(client, repository, subject, { ...options, signal }).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return {
    async value() {
      const outcome = await settled;
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    },
    async drop() {
      stop.abort();
      await settled;
    },
  };
}

/** The referrers of `subject` in `repository`: the API first, the fallback tag on 404 (end-12). */
export async function listReferrers(
  client: RegistryClient,
  repository: string,
  subject: string,
  options: ReferrersOptions = {},
): Promise<ReferrersResult> {
  parseSupportedDigest(subject);
  const keep = (d: Descriptor) =>
    options.artifactType === undefined || d.artifactType === options.artifactType;
  const first = client.url(`${repository}/referrers/${subject}`);
  if (options.artifactType !== undefined) first.searchParams.set('artifactType', options.artifactType);
  const descriptors: Descriptor[] = [];
  const { host, dispatcher } = client.http;
  const known = referrersApi.get(dispatcher)?.get(host);
  if (known === 'missing') {
    const index = await readFallbackIndex(client, repository, subject, options);
    return { descriptors: (index ?? []).filter(keep), via: 'tag' };
  }
  // Not known yet: the fallback tag is asked for beside the API, so a registry without the API
  // costs one round trip, not two (the 404 that sends a client to the tag comes a round trip
  // after the question). A registry with the API costs one small request more, once.
  const fallback = known === undefined ? startFallbackEarly(client, repository, subject, options) : undefined;
  if (fallback !== undefined) rememberReferrersApi(dispatcher, host, 'probing');
  try {
    const budget = new ListingBudget(`referrers listing of ${subject}`);
    for (let url: URL | undefined = first; url !== undefined; ) {
      if (url.origin !== client.http.base.origin) {
        throw new OciError(ErrorCode.REGISTRY_ERROR, 'referrers pagination points to another host');
      }
      const res = await client.http.send({
        method: 'GET',
        url,
        scopes: [repositoryScope(repository)],
        headers: { accept: OCI.index },
        expect: [200],
        signal: options.signal,
      });
      const bytes = await budget.readPage(res.body, header(res.headers, 'content-length'));
      const entries = indexEntries(parseJson(bytes, 'referrers response'));
      if (entries === undefined)
        throw new OciError(ErrorCode.INVALID_DOCUMENT, 'referrers response is not an index');
      rememberReferrersApi(dispatcher, host, 'present');
      await fallback?.drop();
      const filtered = (header(res.headers, 'oci-filters-applied') ?? '')
        .split(',')
        .some((f) => f.trim() === 'artifactType');
      budget.append(descriptors, filtered ? entries : entries.filter(keep));
      url = nextLink(res.headers.link, res.url);
    }
    return { descriptors, via: 'api' };
  } catch (err) {
    if (!(err instanceof OciError && err.code === ErrorCode.NOT_FOUND && descriptors.length === 0)) {
      if (fallback !== undefined && referrersApi.get(dispatcher)?.get(host) === 'probing') {
        rememberReferrersApi(dispatcher, host, undefined);
      }
      await fallback?.drop();
      throw err;
    }
    const errors = (err.data as { errors?: unknown[] } | undefined)?.errors ?? [];
    if (errors.length === 0) rememberReferrersApi(dispatcher, host, 'missing');
    else if (fallback !== undefined && referrersApi.get(dispatcher)?.get(host) === 'probing') {
      rememberReferrersApi(dispatcher, host, undefined);
    }
  }
  const index = await (fallback?.value() ?? readFallbackIndex(client, repository, subject, options));
  return { descriptors: (index ?? []).filter(keep), via: 'tag' };
}

/** The entries of the fallback tag's index; undefined when the tag is missing or is not an index. */
async function readFallbackIndex(
  client: RegistryClient,
  repository: string,
  subject: string,
  options: CallOptions & { knownTags?: ReadonlySet<string> },
  strict = false,
): Promise<Descriptor[] | undefined> {
  if (options.knownTags !== undefined && !options.knownTags.has(referrersTag(subject))) return undefined;
  let fetched: Awaited<ReturnType<RegistryClient['getManifest']>>;
  try {
    fetched = await client.getManifest(repository, referrersTag(subject), options);
  } catch (err) {
    if (err instanceof OciError && err.code === ErrorCode.NOT_FOUND) return undefined;
    throw err;
  }
  const value = parseJson(fetched.bytes, 'referrers fallback index');
  const mediaType = (value as { mediaType?: unknown } | null)?.mediaType ?? fetched.mediaType;
  let entries: Descriptor[] | undefined;
  try {
    entries = mediaType === OCI.index ? indexEntries(value) : undefined;
  } catch (err) {
    if (strict) throw err;
    return undefined;
  }
  if (entries === undefined && strict) {
    throw new OciError(
      ErrorCode.INVALID_DOCUMENT,
      `referrers tag ${referrersTag(subject)} does not hold an image index`,
    );
  }
  return entries;
}

/**
 * The descriptor a referrers index lists for a pushed manifest or index: `artifactType` from
 * the document, else (manifests only) its `config.mediaType`, and all its annotations.
 */
export function referrerDescriptor(
  bytes: Uint8Array,
  mediaType: string,
  digest: Digest,
  doc: unknown,
): Descriptor {
  const value = doc as {
    artifactType?: unknown;
    config?: { mediaType?: unknown };
    annotations?: unknown;
    manifests?: unknown;
  };
  const isIndex = Array.isArray(value.manifests);
  const artifactType =
    typeof value.artifactType === 'string'
      ? value.artifactType
      : !isIndex && typeof value.config?.mediaType === 'string'
        ? value.config.mediaType
        : undefined;
  const annotations =
    typeof value.annotations === 'object' && value.annotations !== null
      ? (value.annotations as Record<string, string>)
      : undefined;
  return {
    mediaType,
    digest,
    size: bytes.byteLength,
    ...(artifactType !== undefined ? { artifactType } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
  };
}

/** The `subject` digest of a manifest or index document, when it has one. */
export function subjectOf(doc: unknown): string | undefined {
  const digest = (doc as { subject?: { digest?: unknown } } | null)?.subject?.digest;
  return typeof digest === 'string' && isDigest(digest) ? digest : undefined;
}

/**
 * Adds a just-pushed manifest to its subject's fallback index (distribution-spec "Pushing
 * Manifests with Subject", when the registry did not answer `OCI-Subject`): pull the tag (404 →
 * empty), refuse a non-index, drop an older entry of the same digest, append, push back.
 * Returns false when the document has no subject. Concurrent updaters can race (no If-Match).
 */
export async function updateReferrersFallback(
  client: RegistryClient,
  repository: string,
  bytes: Uint8Array,
  mediaType: string,
  digest: Digest,
  options: CallOptions = {},
): Promise<boolean> {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return false;
  }
  const subject = subjectOf(doc);
  if (subject === undefined) return false;
  parseSupportedDigest(subject);
  const entry = referrerDescriptor(bytes, mediaType, digest, doc);
  const existing = (await readFallbackIndex(client, repository, subject, options, true)) ?? [];
  const same = existing.find((d) => d.digest === digest);
  if (same !== undefined && JSON.stringify(same) === JSON.stringify(entry)) return true;
  const manifests = [...existing.filter((d) => d.digest !== digest), entry];
  await pushFallbackIndex(client, repository, subject, manifests, options);
  return true;
}

/**
 * Removes a deleted manifest from its subject's fallback index (distribution-spec "Deleting
 * Manifests"); a missing tag or entry is left alone.
 */
export async function removeReferrerFallback(
  client: RegistryClient,
  repository: string,
  subject: string,
  digest: string,
  options: CallOptions = {},
): Promise<void> {
  const existing = await readFallbackIndex(client, repository, subject, options);
  if (existing === undefined || !existing.some((d) => d.digest === digest)) return;
  await pushFallbackIndex(
    client,
    repository,
    subject,
    existing.filter((d) => d.digest !== digest),
    options,
  );
}

async function pushFallbackIndex(
  client: RegistryClient,
  repository: string,
  subject: string,
  manifests: Descriptor[],
  options: CallOptions,
): Promise<void> {
  const index = { schemaVersion: 2, mediaType: OCI.index, manifests };
  const body = Buffer.from(JSON.stringify(index), 'utf8');
  await client.putManifest(repository, referrersTag(subject), body, OCI.index, {
    ...options,
    updateReferrers: false,
  });
}
