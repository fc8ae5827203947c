/**
 * Where signatures are read and written: the repository of a registry or an OCI image layout.
 * One small interface over both, so signing and verification are written once.
 */
import type { Digest } from '../../digest/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import type { Descriptor, TopDocument } from '../../spec/types.ts';

/** Options of {@link SignatureStore.referrers}. */
export interface ReferrersLookup extends OperationOptions {
  /**
   * Every tag of the repository, listed just before: a registry without the referrers API is
   * not asked for a fallback tag missing from it.
   */
  knownTags?: ReadonlySet<string>;
}

/** A place holding an image and its signatures. */
export interface SignatureStore {
  /** The image name it was opened with, for messages. */
  readonly name: string;
  /**
   * True when registries.conf sent the reads elsewhere than the name says (a mirror, a remapped
   * location): a listing of the named repository then says nothing of what this store holds.
   */
  readonly remapped?: boolean;
  /**
   * The `docker-reference` a tag-scheme payload claims by default: the repository as cosign
   * names it (`index.docker.io/library/x` on Docker Hub); for a layout, its tag. Undefined when
   * there is nothing to claim (a layout image named without a tag).
   */
  readonly identity: string | undefined;
  /** The descriptor of the image (or index) the name points to: what is signed. */
  resolve(options?: OperationOptions): Promise<Descriptor>;
  /** The manifest or index tagged `tag`, parsed, or undefined when there is no such tag. */
  readTag(tag: string, options?: OperationOptions): Promise<TopDocument | undefined>;
  /** The manifest or index `descriptor` names, verified and parsed. */
  readManifest(descriptor: Descriptor, options?: OperationOptions): Promise<TopDocument>;
  /** A small blob, verified; TOO_LARGE above `maxBytes`. */
  readBlob(descriptor: Descriptor, maxBytes: number, options?: OperationOptions): Promise<Buffer>;
  /** Stores a blob (verified against `descriptor`), unless it is there already. */
  writeBlob(descriptor: Descriptor, bytes: Uint8Array, options?: OperationOptions): Promise<void>;
  /**
   * Stores a manifest whose blobs are stored, tagged `tag` (replacing what the tag named) or,
   * without one, by digest (a registry also updates its subject's referrers; a layout lists it
   * in index.json without a name, so it is kept and found). Returns its digest.
   */
  writeManifest(
    bytes: Uint8Array,
    mediaType: string,
    tag?: string,
    options?: OperationOptions,
  ): Promise<Digest>;
  /** The descriptors of the manifests whose `subject` is `subject` (of `artifactType` when given). */
  referrers(subject: Digest, artifactType?: string, options?: ReferrersLookup): Promise<Descriptor[]>;
  /** The image name pinned to `digest` (`REPO@sha256:…`, `oci:DIR@sha256:…`). */
  pinned(digest: Digest): string;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
