/**
 * Types of the OCI image-spec documents and Docker's v2.2 equivalents. Parsed values keep
 * unknown fields at run time (considerations.md: unknown properties MUST NOT cause errors);
 * the exact bytes travel beside them in {@link Parsed} because digests depend on them.
 */
import type { Digest } from '../digest/index.ts';

/** image-index.md "platform". */
export interface Platform {
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  /** Reserved by OCI; a CPU features list in Docker manifest lists. */
  features?: string[];
}

/** descriptor.md: a typed, content-addressed pointer to a blob. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  /** Byte count; always a safe integer (sizes above 2^53-1 are refused with INVALID_DOCUMENT). */
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  /** Base64 (RFC 4648 §4, padded) of the content itself. */
  data?: string;
  artifactType?: string;
  /** Present on index entries (image-index.md). */
  platform?: Platform;
}

/** manifest.md (and Docker's v2.2 manifest, which has the same shape with mediaType required). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** image-index.md (and Docker's manifest list). */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** config.md "config": execution defaults. Docker-only fields are kept as unknown extras. */
export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  /** Docker's StrSlice: a bare string is normalised to a one-element array when parsed. */
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object> | null;
  WorkingDir?: string;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  ArgsEscaped?: boolean;
  Healthcheck?: HealthConfig;
  Shell?: string[];
  OnBuild?: string[] | null;
  [dockerExtra: string]: unknown;
}

/** Docker's Healthcheck (reserved in OCI config.md). Durations are integer nanoseconds. */
export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** config.md "history" entry. */
export interface History {
  created?: string;
  author?: string;
  created_by?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** config.md: the image configuration (ImageID = digest of its bytes). */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  'os.version'?: string;
  'os.features'?: string[];
  variant?: string;
  config?: ContainerConfig | null;
  rootfs: { type: 'layers'; diff_ids: Digest[] };
  history?: History[];
  [dockerExtra: string]: unknown;
}

/** image-layout.md "oci-layout file". */
export interface OciLayoutHeader {
  imageLayoutVersion: '1.0.0';
}

/** A parsed document together with the exact bytes it came from and their digest. */
export interface Parsed<T> {
  readonly bytes: Uint8Array;
  readonly digest: Digest;
  /** The media type: from the document, else the one it was detected as. */
  readonly mediaType: string;
  readonly value: T;
}

/** A parsed image manifest (OCI or Docker v2.2). */
export interface ManifestDocument extends Parsed<ImageManifest> {
  readonly kind: 'manifest';
}

/** A parsed image index (OCI or Docker manifest list). */
export interface IndexDocument extends Parsed<ImageIndex> {
  readonly kind: 'index';
}

/** Any document a tag or digest can point at. */
export type TopDocument = ManifestDocument | IndexDocument;
