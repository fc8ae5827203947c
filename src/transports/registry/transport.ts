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
import type { FetchedManifest, RegistryClient } from './client.ts';
import type { PullEndpointEvent, RegistriesConfTransportOptions } from './conf/plan.ts';
import { type OpenRegistryOptions, openRegistryClient } from './open.ts';

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
    registriesConf: _conf,
    registriesConfRoot: _root,
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
   * manifest media type; otherwise from a GET, hashed here (spec-checklist §10.12).
   */
  async resolve(options: OperationOptions = {}): Promise<Descriptor> {
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

/** Writes an image (or index) to a registry repository. */
export class RegistrySink implements ImageSink {
  readonly name: string;
  readonly reference: Reference;
  readonly client: RegistryClient;
  private readonly chunkSize: number | undefined;
  private readonly verifyUploads: boolean;
  /** Digests a HEAD just found absent: their upload need not HEAD them again. */
  private readonly knownAbsent = new Set<string>();

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

  /** Mounts a blob from another repository of the same registry (end-11); false when it cannot. */
  async mountBlob(
    descriptor: Descriptor,
    from: ImageSource,
    options: OperationOptions = {},
  ): Promise<boolean> {
    if (!(from instanceof RegistrySource) || from.reference.registry !== this.reference.registry)
      return false;
    if (from.repository === this.repository) return this.hasBlob(descriptor, options);
    return this.client.mountBlob(this.repository, descriptor.digest, from.repository, options);
  }

  /** Pushes a manifest or index by digest (its children must be there already). */
  async putManifest(document: TopDocument, options: OperationOptions = {}): Promise<void> {
    await this.client.putManifest(
      this.repository,
      document.digest,
      document.bytes,
      document.mediaType,
      options,
    );
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
    const target = this.reference.tag ?? top.digest;
    await this.client.putManifest(this.repository, target, top.bytes, top.mediaType, {
      ...options,
      // The referrers fallback was maintained when the document was pushed by digest.
      updateReferrers: this.reference.tag === undefined,
    });
    return { reference: `${formatName(this.reference)}@${top.digest}`, digest: top.digest };
  }

  /** Closes the registry connections. Idempotent. */
  async close(): Promise<void> {
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
  const { pullPlan, endpointEvent } = await import('./conf/plan.ts');
  const planned = await pullPlan(reference, options);
  const attempts = options.pullFromMirrors === false ? planned.filter((a) => !a.mirror) : planned;
  for (const [i, attempt] of attempts.entries()) {
    const own = attempt.insecure ? { ...options, tlsVerify: false } : options;
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
