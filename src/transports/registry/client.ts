/**
 * A client of one registry speaking the OCI distribution API (distribution-spec spec.md): pull,
 * push, content discovery and management. Every byte it returns is verified against its digest.
 */
import { Readable } from 'node:stream';
import {
  type Digest,
  digestBytes,
  isDigest,
  parseSupportedDigest,
  sizeMismatch,
  verifyBytes,
} from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { isInsecureHost } from '../../reference/index.ts';
import { MANIFEST_ACCEPT } from '../../spec/media-types.ts';
import type { Descriptor } from '../../spec/types.ts';
import { markVerified } from '../../store/verified-stream.ts';
import { type AuthScope, repositoryScope } from './auth-contract.ts';
import { BlobHomes } from './blob-homes.ts';
import { discard, type HttpOptions, type HttpResponse, header, RegistryHttp } from './http.ts';
import { ListingBudget } from './listing-budget.ts';
import { MAX_MANIFEST_BYTES, readLimited } from './manifest-limits.ts';
import { checkRepository, checkTagOrDigest } from './names.ts';
import {
  listReferrers,
  type ReferrersOptions,
  type ReferrersResult,
  removeReferrerFallback,
  subjectOf,
  updateReferrersFallback,
} from './referrers.ts';
import { checkContentRange, ResumingBlobStream } from './resuming-body.ts';
import { cancelUpload, mountBlob, type PushBlobOptions, type PushBlobResult, pushBlob } from './upload.ts';
import { nextLink } from './url.ts';

/** Options of a {@link RegistryClient}. */
export interface RegistryClientOptions extends HttpOptions {
  /** Host[:port] to send requests to when it differs from the registry name (e.g. Docker Hub's API host). */
  apiHost?: string;
  /** Use plain HTTP even for a non-loopback host. */
  insecure?: boolean;
  /**
   * `false`: HTTPS without verification, falling back to plain HTTP when HTTPS fails (skopeo's
   * `--tls-verify=false`). `true`: verified HTTPS even for a loopback host. Default: verified
   * HTTPS, plain HTTP for loopback hosts.
   */
  tlsVerify?: boolean;
}

/** Options of calls that can be cancelled. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** A manifest or index as fetched: exact bytes, their verified digest, and the served media type. */
export interface FetchedManifest {
  bytes: Buffer;
  digest: Digest;
  /** The response Content-Type without parameters ('' when absent). */
  mediaType: string;
}

/** What a HEAD on a manifest or blob told: size, and digest and media type when the registry sent them. */
export interface HeadResult {
  size: number | undefined;
  digest: Digest | undefined;
  mediaType: string | undefined;
}

/** The outcome of a manifest push. */
export interface PutManifestResult {
  digest: Digest;
  /** The `OCI-Subject` the registry answered with, when it processed a `subject` itself. */
  ociSubject: string | undefined;
  /** True when the client updated the referrers fallback tag because the registry did not. */
  fallbackUpdated: boolean;
}

/** The media type of a Content-Type value without its parameters (distribution-spec: ignore parameters). */
function bareMediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The digest a response header names, when it is a digest we can verify; empty headers count as absent. */
function headerDigest(res: HttpResponse): Digest | undefined {
  const value = header(res.headers, 'docker-content-digest');
  if (value === undefined || !isDigest(value)) return undefined;
  try {
    parseSupportedDigest(value);
    return value;
  } catch {
    return undefined;
  }
}

function contentLength(res: HttpResponse): number | undefined {
  const value = header(res.headers, 'content-length');
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Verifies fetched bytes against the digest the URL named, else the response header, else hashes them. */
function verifiedDigest(
  bytes: Uint8Array,
  requested: string | undefined,
  served: Digest | undefined,
): Digest {
  if (requested !== undefined && isDigest(requested)) {
    parseSupportedDigest(requested);
    verifyBytes(bytes, { digest: requested });
  }
  if (served !== undefined) verifyBytes(bytes, { digest: served });
  if (requested !== undefined && isDigest(requested)) return requested;
  return served?.startsWith('sha256:') ? served : digestBytes(bytes);
}

/** TLS settings with no files: what `tlsVerify: false` alone amounts to. */
const NO_TLS_FILES = { ca: [], clientCertificates: [], certDir: undefined, searched: [], explicit: false };

/**
 * A distribution API client for one registry. Use separate clients for the source and the
 * destination of one copy, even on one registry: a download waits for its upload, and both
 * waiting on one client's connections can deadlock once paused downloads hold them all.
 */
export class RegistryClient {
  /** The registry's name as references spell it (e.g. `127.0.0.1:5000`). */
  readonly registry: string;
  /** The HTTP core, shared by the upload and referrers helpers. */
  readonly http: RegistryHttp;
  /** The repositories this client saw holding each blob (for cross-repository mounts). */
  readonly blobHomes = new BlobHomes();

  constructor(registry: string, options: RegistryClientOptions = {}) {
    this.registry = registry;
    const apiHost = options.apiHost ?? registry;
    const verify = options.tlsVerify !== false && options.tls?.verify !== false;
    const plain =
      options.insecure === true || (verify && options.tlsVerify !== true && isInsecureHost(apiHost));
    const scheme = plain ? 'http' : 'https';
    const hostPort = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/.exec(
      apiHost,
    );
    if (!hostPort || Number(hostPort[1] ?? 0) > 65535 || !URL.canParse(`${scheme}://${apiHost}/`)) {
      throw new OciError(
        ErrorCode.INVALID_REFERENCE,
        `invalid registry host ${JSON.stringify(apiHost.slice(0, 300))}`,
      );
    }
    const base = new URL(`${scheme}://${apiHost}/`);
    const tls = options.tls ?? (verify ? undefined : { ...NO_TLS_FILES, verify: false });
    this.http = new RegistryHttp(base, registry, {
      ...options,
      ...(tls !== undefined ? { tls } : {}),
      httpFallback: !plain && !verify,
    });
  }

  /** The URL of an API path under `/v2/`. */
  url(path: string): URL {
    return new URL(`/v2/${path}`, this.http.base);
  }

  /** `GET /v2/` (end-1): resolves when the registry answers 200, throws UNAUTHORIZED etc. otherwise. */
  async ping(options: CallOptions = {}): Promise<void> {
    const res = await this.http.send({
      method: 'GET',
      url: this.url(''),
      scopes: [],
      expect: [200],
      signal: options.signal,
    });
    await discard(res.body);
  }

  /** `GET /v2/<name>/manifests/<reference>` (end-3): the verified bytes of a manifest or index, at most 4 MiB. */
  async getManifest(
    repository: string,
    reference: string,
    options: CallOptions = {},
  ): Promise<FetchedManifest> {
    const res = await this.http.send({
      method: 'GET',
      url: this.url(`${checkRepository(repository)}/manifests/${checkTagOrDigest(reference)}`),
      scopes: [repositoryScope(repository)],
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      expect: [200],
      signal: options.signal,
    });
    const bytes = await readLimited(
      res.body,
      MAX_MANIFEST_BYTES,
      header(res.headers, 'content-length'),
      'manifest',
    );
    const digest = verifiedDigest(bytes, isDigest(reference) ? reference : undefined, headerDigest(res));
    return { bytes, digest, mediaType: bareMediaType(header(res.headers, 'content-type')) };
  }

  /** `HEAD /v2/<name>/manifests/<reference>`: what the registry says about it, or undefined on 404. */
  async headManifest(
    repository: string,
    reference: string,
    options: CallOptions = {},
  ): Promise<HeadResult | undefined> {
    return this.head(
      this.url(`${checkRepository(repository)}/manifests/${checkTagOrDigest(reference)}`),
      [repositoryScope(repository)],
      { accept: MANIFEST_ACCEPT.join(', ') },
      options,
    );
  }

  /**
   * `PUT /v2/<name>/manifests/<reference>` (end-7): pushes exact bytes with `Content-Type` set to
   * `mediaType`. When the document has a `subject` and the registry does not answer `OCI-Subject`,
   * the referrers fallback tag is updated (distribution-spec "Pushing Manifests with Subject").
   */
  async putManifest(
    repository: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    options: CallOptions & { updateReferrers?: boolean } = {},
  ): Promise<PutManifestResult> {
    checkRepository(repository);
    checkTagOrDigest(reference);
    if (bytes.byteLength > MAX_MANIFEST_BYTES) {
      throw new OciError(ErrorCode.TOO_LARGE, `manifest is larger than the ${MAX_MANIFEST_BYTES}-byte limit`);
    }
    const digest = isDigest(reference) ? reference : digestBytes(bytes);
    if (isDigest(reference)) verifyBytes(bytes, { digest: reference });
    const res = await this.http.send({
      method: 'PUT',
      url: this.url(`${repository}/manifests/${reference}`),
      scopes: [repositoryScope(repository, true)],
      headers: { 'content-type': mediaType },
      body: bytes,
      expect: [201],
      signal: options.signal,
    });
    await discard(res.body);
    const served = header(res.headers, 'docker-content-digest');
    if (served !== undefined && served.split(':')[0] === digest.split(':')[0] && served !== digest) {
      throw new OciError(
        ErrorCode.DIGEST_MISMATCH,
        `registry stored the manifest as ${served}, expected ${digest}`,
        {
          data: { expected: digest, actual: served },
        },
      );
    }
    const ociSubject = header(res.headers, 'oci-subject');
    let fallbackUpdated = false;
    if (ociSubject === undefined && options.updateReferrers !== false) {
      fallbackUpdated = await updateReferrersFallback(this, repository, bytes, mediaType, digest, options);
    }
    return { digest, ociSubject, fallbackUpdated };
  }

  /**
   * `DELETE /v2/<name>/manifests/<reference>` (end-9). Deleting by digest a manifest with a
   * `subject` also drops it from the subject's referrers fallback index (distribution-spec
   * "Deleting Manifests"; unless `updateReferrers` is false), which costs one GET first.
   */
  async deleteManifest(
    repository: string,
    reference: string,
    options: CallOptions & { updateReferrers?: boolean } = {},
  ): Promise<void> {
    checkRepository(repository);
    checkTagOrDigest(reference);
    let subject: string | undefined;
    if (options.updateReferrers !== false && isDigest(reference)) {
      try {
        const fetched = await this.getManifest(repository, reference, options);
        subject = subjectOf(JSON.parse(fetched.bytes.toString('utf8')));
      } catch (err) {
        if (!(err instanceof SyntaxError || (err instanceof OciError && err.code !== ErrorCode.ABORTED)))
          throw err;
      }
    }
    const res = await this.http.send({
      method: 'DELETE',
      url: this.url(`${repository}/manifests/${reference}`),
      scopes: [{ type: 'repository', name: repository, actions: ['delete'] }],
      expect: [202, 200, 204],
      signal: options.signal,
    });
    await discard(res.body);
    if (subject !== undefined) await removeReferrerFallback(this, repository, subject, reference, options);
  }

  /** `HEAD /v2/<name>/blobs/<digest>` (end-2): size (and digest) when present, undefined on 404. */
  async headBlob(
    repository: string,
    digest: string,
    options: CallOptions = {},
  ): Promise<HeadResult | undefined> {
    parseSupportedDigest(digest);
    const head = await this.head(
      this.url(`${checkRepository(repository)}/blobs/${digest}`),
      [repositoryScope(repository)],
      {},
      options,
    );
    if (head !== undefined) this.blobHomes.record(digest, repository);
    return head;
  }

  /**
   * `GET /v2/<name>/blobs/<digest>` (end-2): a stream that errors before its end on a digest or
   * size mismatch, resumes with `Range` after broken connections, and follows redirects to
   * storage without sending credentials there.
   */
  async getBlob(
    repository: string,
    descriptor: { digest: string; size?: number },
    options: CallOptions = {},
  ): Promise<Readable> {
    const { digest } = parseSupportedDigest(descriptor.digest);
    const url = this.url(`${checkRepository(repository)}/blobs/${digest}`);
    const scopes = [repositoryScope(repository)];
    const expected = { digest, ...(descriptor.size !== undefined ? { size: descriptor.size } : {}) };
    const open = async (offset: number, signal?: AbortSignal): Promise<Readable> => {
      const res = await this.http.send({
        method: 'GET',
        url,
        scopes,
        headers: { 'accept-encoding': 'identity', ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) },
        expect: offset > 0 ? [200, 206] : [200],
        signal,
      });
      const encoding = header(res.headers, 'content-encoding');
      if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
        res.body.destroy();
        throw new OciError(
          ErrorCode.REGISTRY_ERROR,
          `blob ${digest} was sent with Content-Encoding ${encoding}`,
        );
      }
      const length = contentLength(res);
      if (
        offset === 0 &&
        descriptor.size !== undefined &&
        length !== undefined &&
        length !== descriptor.size
      ) {
        res.body.on('error', () => {}); // undici errors a body destroyed unread; nobody reads this one
        res.body.destroy();
        throw sizeMismatch(expected, length);
      }
      if (offset === 0) return res.body;
      if (res.status === 206) {
        checkContentRange(header(res.headers, 'content-range'), offset, digest);
        return res.body;
      }
      // A 200 to a range request: the registry ignored Range, so skip what was already delivered.
      return Readable.from(skipBytes(res.body, offset), { objectMode: false });
    };
    const first = await open(0, options.signal);
    this.blobHomes.record(digest, repository);
    const stream = new ResumingBlobStream(first, open, expected, {
      policy: this.http.retryPolicy,
      label: digest,
      signal: options.signal,
    });
    // It verifies every byte and errors instead of ending on a mismatch: a layout ingest of this
    // very stream need not hash it again.
    if (descriptor.size !== undefined) markVerified(stream, { digest, size: descriptor.size });
    return stream;
  }

  /** Reads a whole (small) blob into memory, verified, failing with TOO_LARGE past `limit` bytes. */
  async getBlobBytes(
    repository: string,
    descriptor: { digest: string; size?: number },
    limit: number,
    options: CallOptions = {},
  ): Promise<Buffer> {
    if (descriptor.size !== undefined && descriptor.size > limit) {
      throw new OciError(
        ErrorCode.TOO_LARGE,
        `blob ${descriptor.digest} is larger than the ${limit}-byte limit`,
      );
    }
    return readLimited(await this.getBlob(repository, descriptor, options), limit, undefined, 'blob');
  }

  /** `DELETE /v2/<name>/blobs/<digest>` (end-10). */
  async deleteBlob(repository: string, digest: string, options: CallOptions = {}): Promise<void> {
    parseSupportedDigest(digest);
    const res = await this.http.send({
      method: 'DELETE',
      url: this.url(`${checkRepository(repository)}/blobs/${digest}`),
      scopes: [{ type: 'repository', name: repository, actions: ['delete'] }],
      expect: [202, 200, 204],
      signal: options.signal,
    });
    await discard(res.body);
  }

  /** Uploads a blob unless the registry has it (monolithic or chunked, optionally mounting first). */
  pushBlob(
    repository: string,
    descriptor: Pick<Descriptor, 'digest' | 'size'> & { mediaType?: string },
    content: Uint8Array | (() => Readable) | Readable,
    options: PushBlobOptions = {},
  ): Promise<PushBlobResult> {
    const pushed = pushBlob(this, checkRepository(repository), descriptor, content, options);
    return pushed.then((result) => {
      this.blobHomes.record(descriptor.digest, repository);
      return result;
    });
  }

  /**
   * `POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<other>` (end-11): true when mounted; when
   * the registry starts an upload instead (202) the session is cancelled and false returned.
   */
  async mountBlob(
    repository: string,
    digest: string,
    from: string,
    options: CallOptions = {},
  ): Promise<boolean> {
    const outcome = await mountBlob(
      this,
      checkRepository(repository),
      digest,
      checkRepository(from),
      options,
    );
    if (outcome.mounted) {
      this.blobHomes.record(digest, repository);
      return true;
    }
    await cancelUpload(this, repository, outcome.location);
    return false;
  }

  /** `GET /v2/<name>/tags/list` (end-8), following `Link` pages; `pageSize` sets `n`. */
  async listTags(repository: string, options: CallOptions & { pageSize?: number } = {}): Promise<string[]> {
    const first = this.url(`${checkRepository(repository)}/tags/list`);
    if (options.pageSize !== undefined) first.searchParams.set('n', String(options.pageSize));
    return this.listPages(
      first,
      [repositoryScope(repository)],
      'tags',
      `tag listing of ${repository}`,
      options.signal,
    );
  }

  /** `GET /v2/_catalog`, following `Link` pages: the repositories of the registry. */
  async catalog(options: CallOptions & { pageSize?: number } = {}): Promise<string[]> {
    const first = this.url('_catalog');
    if (options.pageSize !== undefined) first.searchParams.set('n', String(options.pageSize));
    return this.listPages(
      first,
      [{ type: 'registry', name: 'catalog', actions: ['*'] }],
      'repositories',
      'catalog',
      options.signal,
    );
  }

  /** The referrers of `subject` (end-12), through the API or, on 404, the tag schema fallback. */
  referrers(repository: string, subject: string, options: ReferrersOptions = {}): Promise<ReferrersResult> {
    return listReferrers(this, checkRepository(repository), subject, options);
  }

  /** Closes the client's connections. Idempotent. */
  close(): Promise<void> {
    return this.http.close();
  }

  private async head(
    url: URL,
    scopes: AuthScope[],
    headers: Record<string, string>,
    options: CallOptions,
  ): Promise<HeadResult | undefined> {
    // A 404 is an answer here, not a failure: taken as one, it builds no error (a stack trace,
    // a redacted URL) for each blob a copy finds missing.
    const res = await this.http.send({
      method: 'HEAD',
      url,
      scopes,
      headers,
      expect: [200, 404],
      signal: options.signal,
    });
    await discard(res.body);
    if (res.status === 404) return undefined;
    const type = bareMediaType(header(res.headers, 'content-type'));
    return {
      size: contentLength(res),
      digest: headerDigest(res),
      mediaType: type === '' ? undefined : type,
    };
  }

  /** Collects a paginated JSON listing, following `Link: <...>; rel="next"` (usually relative). */
  private async listPages(
    first: URL,
    scopes: AuthScope[],
    field: string,
    what: string,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const out: string[] = [];
    const budget = new ListingBudget(what);
    const seen = new Set<string>();
    for (let url: URL | undefined = first; url !== undefined; ) {
      const href = url.toString();
      if (seen.has(href)) {
        throw new OciError(
          ErrorCode.REGISTRY_ERROR,
          `the registry's ${what} pagination loops back on itself`,
        );
      }
      seen.add(href);
      if (url.origin !== this.http.base.origin) {
        throw new OciError(
          ErrorCode.REGISTRY_ERROR,
          `the registry's ${what} pagination points to another host`,
        );
      }
      const res = await this.http.send({ method: 'GET', url, scopes, expect: [200], signal });
      const bytes = await budget.readPage(res.body, header(res.headers, 'content-length'), href.length);
      budget.append(out, parseListing(bytes, field));
      url = nextLink(res.headers.link, res.url);
    }
    return out;
  }
}

function parseListing(bytes: Buffer, field: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new OciError(ErrorCode.REGISTRY_ERROR, `registry listing is not JSON`, { cause: err });
  }
  const list = (parsed as Record<string, unknown> | null)?.[field];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    throw new OciError(ErrorCode.REGISTRY_ERROR, `registry listing field ${field} is not a list of strings`);
  }
  return list;
}

async function* skipBytes(body: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Uint8Array> {
  let left = count;
  for await (const chunk of body) {
    if (left >= chunk.byteLength) {
      left -= chunk.byteLength;
      continue;
    }
    yield left > 0 ? chunk.subarray(left) : chunk;
    left = 0;
  }
}
