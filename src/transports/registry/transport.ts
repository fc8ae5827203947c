/**
 * The registry transport (`docker://REF` and bare references): an {@link ImageSource} and an
 * {@link ImageSink} over the distribution API. Reads are verified; writes push blobs (skipping
 * or mounting what the registry has), manifests by digest, and the top document by tag last.
 */
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import type { Digest } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import type {
  BlobOptions,
  BlobProgress,
  ImageSink,
  ImageSource,
  OperationOptions,
} from '../../image/types.ts';
import { formatName, formatReference, parseReference, type Reference } from '../../reference/index.ts';
import { parseTopDocument } from '../../spec/index.ts';
import { isIndexMediaType, isManifestMediaType } from '../../spec/media-types.ts';
import type { Descriptor, TopDocument } from '../../spec/types.ts';
import type { BlobClaim } from './blob-homes.ts';
import type { FetchedManifest, RegistryClient } from './client.ts';
import type { PullEndpointEvent, RegistriesConfTransportOptions } from './conf/plan.ts';
import { type OpenRegistryOptions, openRegistryClient } from './open.ts';
import { untilAborted } from './until-aborted.ts';

/** The prefix of explicit registry references. */
export const DOCKER_PREFIX = 'docker://';

/**
 * Options of the registry transport: the client's, credentials (`credentials`, `registryToken`,
 * `authFile`) and TLS (`tlsVerify`, `certDir`, `certsDirectories`; `insecure` is `tlsVerify: false`).
 */
export interface RegistryTransportOptions extends OpenRegistryOptions, RegistriesConfTransportOptions {
  /** Pulls: try registries.conf mirrors before the origin (default true; tag listing reads the origin only). */
  pullFromMirrors?: boolean;
  /** Upload blobs at least this large in resumable PATCH chunks of this size (default: monolithic). */
  chunkSize?: number;
  /**
   * Hash blobs again while pushing them (default false: sources hand out verified streams and the
   * registry refuses bytes that do not match the digest, which surfaces as DIGEST_MISMATCH).
   */
  verifyUploads?: boolean;
}

/** Parses `docker://REF` or a bare reference (Docker Hub normalisation applies). */
export function parseRegistryReference(reference: string): Reference {
  const bare = reference.startsWith(DOCKER_PREFIX) ? reference.slice(DOCKER_PREFIX.length) : reference;
  return parseReference(bare);
}

/** The client for the registry of `ref` (credentials and TLS as {@link openRegistryClient} sets them up). */
function clientFor(ref: Reference, options: RegistryTransportOptions): Promise<RegistryClient> {
  const {
    chunkSize: _chunkSize,
    verifyUploads: _verifyUploads,
    onPullEndpoint: _onPull,
    pullFromMirrors: _mirrors,
    ...clientOptions
  } = options;
  return openRegistryClient(ref.registry, clientOptions);
}

function progressStream(descriptor: Descriptor, onProgress: (event: BlobProgress) => void): Transform {
  let done = 0;
  const event = (state: BlobProgress['state']): BlobProgress => ({
    digest: descriptor.digest,
    mediaType: descriptor.mediaType,
    total: descriptor.size,
    done,
    state,
  });
  onProgress(event('started'));
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      done += chunk.byteLength;
      onProgress(event('progress'));
      callback(null, chunk);
    },
    flush(callback) {
      onProgress(event('done'));
      callback();
    },
  });
}

/** Reads an image (or index) from a registry. */
export class RegistrySource implements ImageSource {
  readonly name: string;
  readonly reference: Reference;
  readonly client: RegistryClient;
  /** Where registries.conf sent the pull (a mirror, a remapped origin), when it did. */
  pulledFrom: PullEndpointEvent | undefined;
  /** The manifest fetched while resolving, kept so it is not fetched twice. */
  private fetched: FetchedManifest | undefined;
  /** The resolution in progress or done: a copy resolves once, however many steps ask. */
  private resolving: Promise<Descriptor> | undefined;

  constructor(reference: Reference, client: RegistryClient) {
    this.reference = reference;
    this.client = client;
    this.name = `${DOCKER_PREFIX}${formatReference(reference)}`;
  }

  /** The repository inside the registry. */
  get repository(): string {
    return this.reference.repository;
  }

  /**
   * The descriptor of the named document: from a HEAD when the registry gives digest, size and a
   * manifest media type; otherwise from a GET, hashed here (spec-checklist §10.12). Asked once
   * per source: later calls get the same answer (a tag moved meanwhile is not followed), and a
   * failure is not kept. The shared lookup runs without any caller's signal; each caller stops
   * waiting (ABORTED) when its own signal aborts.
   */
  resolve(options: OperationOptions = {}): Promise<Descriptor> {
    if (this.resolving === undefined) {
      const resolving = this.resolveOnce({});
      this.resolving = resolving;
      resolving.catch(() => {
        if (this.resolving === resolving) this.resolving = undefined;
      });
    }
    return untilAborted(this.resolving, options.signal);
  }

  private async resolveOnce(options: OperationOptions): Promise<Descriptor> {
    const target = this.reference.digest ?? this.reference.tag ?? 'latest';
    const head = await this.client.headManifest(this.repository, target, options);
    if (head === undefined) {
      throw new OciError(ErrorCode.NOT_FOUND, `${this.name} not found`, { data: { reference: this.name } });
    }
    const known = isIndexMediaType(head.mediaType) || isManifestMediaType(head.mediaType);
    const digestOk =
      head.digest !== undefined &&
      (this.reference.digest === undefined || head.digest === this.reference.digest);
    if (known && digestOk && head.size !== undefined && head.mediaType !== undefined) {
      return { mediaType: head.mediaType, digest: head.digest as Digest, size: head.size };
    }
    const fetched = await this.client.getManifest(this.repository, target, options);
    this.fetched = fetched;
    const document = parseTopDocument(
      fetched.bytes,
      fetched.mediaType ? { contentType: fetched.mediaType } : {},
    );
    return { mediaType: document.mediaType, digest: fetched.digest, size: fetched.bytes.byteLength };
  }

  /** Fetches a manifest or index by digest, verified against the descriptor, and parses it. */
  async manifest(descriptor: Descriptor, options: OperationOptions = {}): Promise<TopDocument> {
    let fetched = this.fetched?.digest === descriptor.digest ? this.fetched : undefined;
    fetched ??= await this.client.getManifest(this.repository, descriptor.digest, options);
    if (fetched.bytes.byteLength !== descriptor.size) {
      throw new OciError(
        ErrorCode.SIZE_MISMATCH,
        `manifest ${descriptor.digest} is ${fetched.bytes.byteLength} bytes, expected ${descriptor.size}`,
        {
          data: {
            digest: descriptor.digest,
            expectedSize: descriptor.size,
            actualSize: fetched.bytes.byteLength,
          },
        },
      );
    }
    const contentType = fetched.mediaType || descriptor.mediaType;
    return parseTopDocument(fetched.bytes, contentType ? { contentType } : {});
  }

  /** A verified stream of a blob (resuming after broken connections). */
  async blob(descriptor: Descriptor, options: BlobOptions = {}): Promise<Readable> {
    const stream = await this.client.getBlob(this.repository, descriptor, options);
    if (options.onProgress === undefined) return stream;
    const counted = progressStream(descriptor, options.onProgress);
    stream.on('error', (err) => counted.destroy(err));
    return stream.pipe(counted);
  }

  /** Closes the registry connections. Idempotent. */
  async close(): Promise<void> {
    await this.client.close();
  }
}

/**
 * Writes an image (or index) to a registry repository.
 *
 * The last document given to {@link putManifest} is held back until the next one arrives or
 * {@link commit}: children go up by digest before their parents as the registry requires, and
 * the top document goes up once, under its tag, when the sink commits (not by digest and again
 * by tag). An uncommitted sink so leaves no top document behind.
 */
export class RegistrySink implements ImageSink {
  readonly name: string;
  readonly reference: Reference;
  readonly client: RegistryClient;
  private readonly chunkSize: number | undefined;
  private readonly verifyUploads: boolean;
  /** Digests a HEAD just found absent: their upload need not HEAD them again. */
  private readonly knownAbsent = new Set<string>();
  /** Uploads this sink announced to the client's other sinks (see {@link mountBlob}). */
  private readonly claims = new Map<string, BlobClaim>();
  /** The document put last, not pushed yet. */
  private held: { document: TopDocument; options: OperationOptions } | undefined;
  /** Documents pushed by digest (their referrers fallback is up to date). */
  private readonly pushedByDigest = new Set<string>();

  constructor(
    reference: Reference,
    client: RegistryClient,
    options: Pick<RegistryTransportOptions, 'chunkSize' | 'verifyUploads'> = {},
  ) {
    this.reference = reference;
    this.client = client;
    this.chunkSize = options.chunkSize;
    this.verifyUploads = options.verifyUploads === true;
    this.name = `${DOCKER_PREFIX}${formatReference(reference)}`;
  }

  /** The repository inside the registry. */
  get repository(): string {
    return this.reference.repository;
  }

  /** True when the repository has the blob with the descriptor's size (a HEAD, end-2). */
  async hasBlob(descriptor: Descriptor, options: OperationOptions = {}): Promise<boolean> {
    const head = await this.client.headBlob(this.repository, descriptor.digest, options);
    const present = head !== undefined && (head.size === undefined || head.size === descriptor.size);
    if (!present) this.knownAbsent.add(descriptor.digest);
    return present;
  }

  /**
   * Pushes a blob (verified on the way out); a blob the registry has is skipped. Right after
   * {@link hasBlob} said it is absent (what a copy does) the upload starts without asking again.
   */
  async putBlob(descriptor: Descriptor, content: Readable, options: BlobOptions = {}): Promise<void> {
    let ok = false;
    try {
      await this.pushBlob(descriptor, content, options);
      ok = true;
    } finally {
      this.settleClaim(descriptor.digest, ok);
    }
  }

  private async pushBlob(descriptor: Descriptor, content: Readable, options: BlobOptions): Promise<void> {
    const chunked = this.chunkSize !== undefined && descriptor.size >= this.chunkSize;
    const askedAlready = this.knownAbsent.delete(descriptor.digest);
    await this.client.pushBlob(this.repository, descriptor, content, {
      skipExisting: !askedAlready,
      // ImageSource streams are verified already, and the registry checks the digest before the
      // blob exists: hashing a third time only costs CPU.
      verify: this.verifyUploads,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(chunked ? { chunkSize: this.chunkSize } : {}),
    });
  }

  /**
   * Mounts a blob from another repository of the same registry (end-11): the source's own when
   * it reads this registry, else one where this client pushed or saw the blob — waiting for an
   * upload of it to another repository that a sink of this client announced. False when it
   * cannot: the caller then uploads it, and this sink announces that upload to the client's other
   * sinks until {@link putBlob} ends it (or the signal aborts, or the sink commits or closes).
   */
  async mountBlob(
    descriptor: Descriptor,
    from: ImageSource,
    options: OperationOptions = {},
  ): Promise<boolean> {
    const { digest } = descriptor;
    if (from instanceof RegistrySource && from.reference.registry === this.reference.registry) {
      if (from.repository === this.repository) return this.hasBlob(descriptor, options);
      return this.client.mountBlob(this.repository, digest, from.repository, options);
    }
    const homes = this.client.blobHomes;
    const home = await homes.find(digest, this.repository, options.signal);
    if (home !== undefined && (await this.mountFromHome(digest, home, options))) return true;
    if (!this.claims.has(digest)) {
      this.claims.set(digest, this.client.blobHomes.claim(digest, this.repository));
      options.signal?.addEventListener('abort', () => this.settleClaim(digest, false), { once: true });
    }
    return false;
  }

  /**
   * A mount from a repository this client saw holding the blob: only an optimisation, so any
   * failure but an abort means "upload it"; a refusal (202) tells the client's other sinks to stop
   * waiting for and mounting from known homes.
   */
  private async mountFromHome(digest: string, home: string, options: OperationOptions): Promise<boolean> {
    try {
      if (await this.client.mountBlob(this.repository, digest, home, options)) return true;
      this.client.blobHomes.refuseMounts();
    } catch (err) {
      if (options.signal?.aborted || (err instanceof OciError && err.code === ErrorCode.ABORTED)) throw err;
    }
    return false;
  }

  private settleClaim(digest: string, ok: boolean): void {
    const claim = this.claims.get(digest);
    if (claim === undefined) return;
    this.claims.delete(digest);
    claim.settle(ok);
  }

  /**
   * Stores a manifest or index (its children must be stored already): the one put before it goes
   * up by digest now, this one when the next arrives or the sink commits.
   */
  async putManifest(document: TopDocument, options: OperationOptions = {}): Promise<void> {
    const previous = this.held;
    this.held = { document, options };
    if (previous !== undefined) await this.pushByDigest(previous.document, previous.options);
  }

  private async pushByDigest(document: TopDocument, options: OperationOptions): Promise<void> {
    await this.client.putManifest(
      this.repository,
      document.digest,
      document.bytes,
      document.mediaType,
      options,
    );
    this.pushedByDigest.add(document.digest);
  }

  /** Pushes the top document by tag (or by digest when the reference has none); returns `host/repo@digest`. */
  async commit(
    top: TopDocument,
    options: OperationOptions = {},
  ): Promise<{ reference: string; digest: Digest }> {
    if (this.reference.digest !== undefined && this.reference.digest !== top.digest) {
      throw new OciError(
        ErrorCode.DIGEST_MISMATCH,
        `${this.name} names ${this.reference.digest} but the image is ${top.digest}`,
        { data: { expected: this.reference.digest, actual: top.digest } },
      );
    }
    const held = this.held;
    this.held = undefined;
    if (held !== undefined && held.document.digest !== top.digest) {
      await this.pushByDigest(held.document, held.options);
    }
    for (const digest of [...this.claims.keys()]) this.settleClaim(digest, false);
    const target = this.reference.tag ?? top.digest;
    await this.client.putManifest(this.repository, target, top.bytes, top.mediaType, {
      ...options,
      // Unless the document went up by digest already, which kept the referrers fallback.
      updateReferrers: this.reference.tag === undefined || !this.pushedByDigest.has(top.digest),
    });
    return { reference: `${formatName(this.reference)}@${top.digest}`, digest: top.digest };
  }

  /** Closes the registry connections (a document held back is dropped: nothing was committed). Idempotent. */
  async close(): Promise<void> {
    this.held = undefined;
    for (const digest of [...this.claims.keys()]) this.settleClaim(digest, false);
    await this.client.close();
  }
}

/**
 * Opens a registry reference for reading, as registries.conf says (./conf/): a short name is
 * qualified, each mirror is tried in order (its manifest resolved) before the origin, and the
 * endpoint chosen is told to `onPullEndpoint` and kept in `pulledFrom`. DENIED for a blocked
 * registry.
 */
export async function registrySource(
  reference: string,
  options: RegistryTransportOptions = {},
): Promise<RegistrySource> {
  const { pullPlan, endpointEvent, optionsForAttempt } = await import('./conf/plan.ts');
  const planned = await pullPlan(reference, options);
  const attempts = options.pullFromMirrors === false ? planned.filter((a) => !a.mirror) : planned;
  for (const [i, attempt] of attempts.entries()) {
    const forAttempt = optionsForAttempt(options, attempt);
    const own = attempt.insecure ? { ...forAttempt, tlsVerify: false } : forAttempt;
    const source = new RegistrySource(attempt.reference, await clientFor(attempt.reference, own));
    if (i < attempts.length - 1) {
      try {
        await source.resolve();
      } catch (err) {
        await source.close();
        if (err instanceof OciError && err.code === ErrorCode.ABORTED) throw err;
        continue;
      }
    }
    source.pulledFrom = endpointEvent(reference, attempt);
    if (source.pulledFrom !== undefined) options.onPullEndpoint?.(source.pulledFrom);
    return source;
  }
  throw new OciError(ErrorCode.INVALID_REFERENCE, `${reference}: nowhere to pull from`);
}

/** Opens a registry reference for writing. */
export async function registrySink(
  reference: string,
  options: RegistryTransportOptions = {},
): Promise<RegistrySink> {
  const { pushPlan } = await import('./conf/plan.ts');
  const target = await pushPlan(reference, options);
  const own = target.insecure ? { ...options, tlsVerify: false } : options;
  return new RegistrySink(target.reference, await clientFor(target.reference, own), options);
}

/** `ref` with its tag replaced by `tag` (and no digest), as a bare reference. */
export function registryWithTag(reference: string, tag: string): string {
  const ref = parseRegistryReference(reference);
  return formatReference({ registry: ref.registry, repository: ref.repository, tag });
}
