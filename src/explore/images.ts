/** The images an explorer shows, and the documents each one's DAG reaches (index → manifests → config, and their referrers). */
import { type Digest, parseSupportedDigest } from '../digest/index.ts';
import { ErrorCode, OciError } from '../errors/index.ts';
import { openDocument } from '../image/image.ts';
import { limiter } from '../image/limit.ts';
import type { Image, ImageSource, Index } from '../image/types.ts';
import type { Descriptor } from '../spec/types.ts';
import type { TransportOptions } from '../transports/index.ts';
import { type FoundReferrer, MAX_IMAGE_REFERRERS, openImageStore, referrersOf } from './trust/referrers.ts';

/** Subjects whose referrers are looked up at once (each is a few requests to a registry). */
const REFERRER_LOOKUPS = 8;

/** One image given to the explorer: its name and an open source (the caller closes it). */
export interface ExplorerImage {
  /** The name shown. */
  name: string;
  source: ImageSource;
  /**
   * The transport name signatures and referrers are looked up by (`oci:DIR:TAG`, a registry
   * reference); default {@link name}.
   */
  reference?: string;
}

/** A document of the DAG: its descriptor, and the exact bytes it was read as. */
export interface DagDocument {
  descriptor: Descriptor;
  bytes: Uint8Array;
  node: Image | Index | undefined;
}

/**
 * Checks a digest from a URL: INVALID_DIGEST off the grammar, UNSUPPORTED_DIGEST for an algorithm
 * ocikit does not implement (descriptor.md "Digests").
 */
export function requireDigest(value: string): string {
  parseSupportedDigest(value);
  return value;
}

/**
 * Walks an image's DAG from its top document and memoises every document it reaches, so only
 * digests the image references are ever read (a digest from a URL is looked up, never opened blind).
 */
export class ImageCatalog {
  readonly #documents = new Map<string, DagDocument>();
  #walk: Promise<Image | Index> | undefined;

  #referrers: Promise<Map<string, FoundReferrer[]>> | undefined;

  readonly image: ExplorerImage;
  readonly #options: TransportOptions;

  constructor(image: ExplorerImage, options: TransportOptions = {}) {
    this.image = image;
    this.#options = options;
  }

  /**
   * The referrers of each index and manifest of the DAG (OCI referrers and cosign's tag scheme,
   * with their own referrers), by subject digest, looked up once; a subject whose referrers cannot
   * be listed, or a transport that keeps none, has none.
   */
  referrers(): Promise<Map<string, FoundReferrer[]>> {
    this.#referrers ??= this.#findReferrers();
    return this.#referrers;
  }

  async #findReferrers(): Promise<Map<string, FoundReferrer[]>> {
    await this.top();
    const subjects = [...this.#documents.values()]
      .filter((d) => d.node !== undefined)
      .map((d) => d.descriptor.digest);
    const out = new Map<string, FoundReferrer[]>();
    let store: Awaited<ReturnType<typeof openImageStore>>;
    try {
      store = await openImageStore(this.image.reference ?? this.image.name, this.#options);
    } catch {
      // Unreachable for now (a registry down): none this time, and the next request asks again.
      this.#referrers = undefined;
      return out;
    }
    if (store === undefined) return out;
    try {
      const budget = { left: MAX_IMAGE_REFERRERS };
      const seen = new Set(subjects);
      const limit = limiter(REFERRER_LOOKUPS);
      await Promise.all(
        subjects.map((subject) =>
          limit(async () => {
            try {
              out.set(subject, await referrersOf(store, subject, { seen, budget }));
            } catch {
              // Not listable (a registry refusing the referrers API): the subject shows none.
            }
          }),
        ),
      );
    } finally {
      await store.close();
    }
    return out;
  }

  /** A referrer manifest of the image by digest, fetched (verified) on first use. */
  async #referrer(digest: string): Promise<DagDocument | undefined> {
    const find = (nodes: FoundReferrer[]): FoundReferrer | undefined => {
      for (const n of nodes) {
        const hit = n.digest === digest ? n : find(n.referrers);
        if (hit !== undefined) return hit;
      }
      return undefined;
    };
    let node: FoundReferrer | undefined;
    for (const list of (await this.referrers()).values()) node ??= find(list);
    if (node === undefined) return undefined;
    const descriptor: Descriptor = {
      mediaType: node.mediaType,
      digest: node.digest as Digest,
      size: node.size,
    };
    const document = await this.image.source.manifest(descriptor);
    const found: DagDocument = {
      descriptor,
      bytes: document.bytes,
      node: openDocument(this.image.source, descriptor, document),
    };
    this.#documents.set(digest, found);
    return found;
  }

  /** The top document, walking the whole DAG once. */
  top(): Promise<Image | Index> {
    this.#walk ??= this.#load();
    return this.#walk;
  }

  async #load(): Promise<Image | Index> {
    const { source } = this.image;
    const descriptor = await source.resolve();
    const top = openDocument(source, descriptor, await source.manifest(descriptor));
    await this.#visit(top, 0);
    return top;
  }

  async #visit(node: Image | Index, depth: number): Promise<void> {
    this.#documents.set(node.descriptor.digest, {
      descriptor: node.descriptor,
      bytes: node.document.bytes,
      node,
    });
    if (node.kind === 'image') {
      const config = await node.config();
      this.#documents.set(config.digest, {
        descriptor: node.document.value.config,
        bytes: config.bytes,
        node: undefined,
      });
      return;
    }
    if (depth > 4) return;
    for (const child of node.document.value.manifests) {
      if (this.#documents.has(child.digest)) continue;
      try {
        await this.#visit(await node.child(child), depth + 1);
      } catch (err) {
        // A child the source lacks (a partial copy) stays out of the DAG; the index still shows it.
        if (!(err instanceof OciError && err.code === ErrorCode.NOT_FOUND)) throw err;
      }
    }
  }

  /** A document of the DAG by digest; NOT_FOUND for any digest the image does not reach. */
  async document(digest: string): Promise<DagDocument> {
    requireDigest(digest);
    await this.top();
    const found = this.#documents.get(digest) ?? (await this.#referrer(digest));
    if (found === undefined)
      throw new OciError(ErrorCode.NOT_FOUND, `${digest} is not a document of this image`);
    return found;
  }

  /** A single-platform image of the DAG by manifest digest. */
  async manifest(digest: string): Promise<Image> {
    const { node } = await this.document(digest);
    if (node?.kind !== 'image') throw new OciError(ErrorCode.NOT_FOUND, `${digest} is not an image manifest`);
    return node;
  }
}
