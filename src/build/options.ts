/** The options and result of {@link build} (the `ocikit/build` library entry and `ocikit build`). */
import type { Digest } from '../digest/index.ts';
import type { ImageConfig, Platform, TopDocument } from '../spec/index.ts';
import type { TransportOptions } from '../transports/index.ts';
import type { BuildEvent } from './progress.ts';
import type { TimestampSetting } from './time.ts';

/** Where a secret's bytes come from: a file, or an environment variable of this process. */
export type SecretSource = { readonly file: string } | { readonly env: string };

/** What to build and where to write it. */
export interface BuildOptions {
  /** The build context directory (default: the current directory). */
  context?: string;
  /** Path of the Dockerfile (default `Dockerfile` in the context). */
  dockerfile?: string;
  /** The Dockerfile's text, instead of reading a file (`-f -`); .dockerignore then comes from the context. */
  dockerfileText?: string;
  /** Image names to write the result to (any sink transport); none builds without writing. */
  tags?: readonly string[];
  /** `--build-arg` values. */
  buildArgs?: Readonly<Record<string, string>>;
  /** The stage to build (default: the last). */
  target?: string;
  /** Target platforms (`linux/amd64`, ...); several produce an index. Default: Linux on the host architecture. */
  platforms?: readonly string[];
  /** Labels set on the result, over the Dockerfile's. */
  labels?: Readonly<Record<string, string>>;
  /** Secrets `RUN --mount=type=secret,id=ID` mounts (by id); never in a layer, the history or a cache key. */
  secrets?: Readonly<Record<string, SecretSource>>;
  /** The network of RUN steps that set none: `host` (default, as `docker build`) or `none` (loopback only). */
  network?: 'host' | 'none';
  /** Build every step anew (results are still stored in the cache). */
  noCache?: boolean;
  /** The local cache (an OCI layout; default `$XDG_CACHE_HOME/ocikit/build`). */
  cacheDir?: string;
  /** A registry repository shared as a cache (`host/repo`). */
  cacheRepo?: string;
  /** File times are clamped to, and `created` is, this time (default SOURCE_DATE_EPOCH, else 0). */
  timestamp?: TimestampSetting;
  /** Registry options (plain HTTP for non-loopback registries). */
  transport?: TransportOptions;
  /** Called for each step, warning and blob written. */
  onProgress?: (event: BuildEvent) => void;
  signal?: AbortSignal;
}

/** One image of the result. */
export interface BuiltImageSummary {
  readonly platform: Platform;
  /** The manifest digest. */
  readonly digest: Digest;
  readonly config: ImageConfig;
}

/** What a build produced. */
export interface BuildResult {
  /** The manifest digest (one platform) or the index digest (several). */
  readonly digest: Digest;
  readonly mediaType: string;
  readonly document: TopDocument;
  /** What each destination reported writing (`REF@sha256:…`). */
  readonly references: readonly string[];
  readonly images: readonly BuiltImageSummary[];
  readonly warnings: readonly string[];
  /** Layer steps served from the cache, and computed. */
  readonly cachedSteps: number;
  readonly builtSteps: number;
}
