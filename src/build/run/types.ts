/**
 * The contract of the RUN step executor: what a caller (the build engine) gives {@link runStep}
 * and what it gets back. Strings arrive already expanded (ARG/ENV); the command keeps its
 * Dockerfile form, since the shell or exec form decides how it is run.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../../digest/index.ts';
import type { Descriptor } from '../../spec/index.ts';
import type { CommandLine, Heredoc } from '../dockerfile/types.ts';

/** One layer of the stage below the step, as a blob that can be opened (compressed or not; sniffed). */
export interface LowerLayer {
  /** The DiffID the unpacked tar must hash to (checked while unpacking). */
  readonly diffId: Digest;
  /** Opens the layer blob (gzip, zstd or plain tar). */
  open(options?: { signal?: AbortSignal }): Promise<Readable>;
}

/** A mount a step asks for on top of the standard ones (the building block of `RUN --mount`). */
export type RunMount =
  | {
      readonly type: 'bind';
      /** A host file or directory. */
      readonly source: string;
      /** Absolute path in the container. */
      readonly destination: string;
      /** Default true, as `--mount=type=bind` is. */
      readonly readonly?: boolean;
    }
  | {
      readonly type: 'tmpfs';
      readonly destination: string;
      /** Size limit in bytes (default: the kernel's, half of RAM). */
      readonly size?: number;
    };

/** One range of a user-namespace id mapping (runtime-spec `linux.uidMappings`). */
export interface IdMapping {
  readonly containerID: number;
  readonly hostID: number;
  readonly size: number;
}

/** Where the step is in the Dockerfile, for messages (`Dockerfile:LINE`). */
export interface StepPlace {
  readonly file: string;
  readonly line: number;
}

/** How the filesystem changes of a step are captured. */
export type CaptureMethod = 'overlay' | 'snapshot';

/** Options of {@link runStep}. */
export interface RunStepOptions<L = SpooledRunLayer> {
  /** The stage's layers, base first (the order of `rootfs.diff_ids`). */
  readonly layers: readonly LowerLayer[];
  /** Where unpacked layers and the step's scratch directories live (see LayerCache). */
  readonly cacheRoot: string;
  /** The command as parsed: shell form (run through `shell`) or exec form. */
  readonly command: CommandLine;
  /** The heredocs of the RUN line, as the parser gives them. */
  readonly heredocs?: readonly Heredoc[];
  /** SHELL; default `["/bin/sh", "-c"]`. */
  readonly shell?: readonly string[];
  /** `KEY=VALUE` entries: ENV plus the build args in scope; a default PATH is added when none is set. */
  readonly env?: readonly string[];
  /** USER: `name`, `uid`, `name:group`, `uid:gid` ... resolved in the rootfs; default root. */
  readonly user?: string;
  /** WORKDIR (absolute); created, owned by the user, when missing. Default `/`. */
  readonly workdir?: string;
  /** `host` (default, as `docker build` gives RUN) or `none` (a network namespace with only loopback). */
  readonly network?: 'host' | 'none';
  /** The container's host name (default `ocikit`), also in the generated /etc/hosts and /etc/hostname. */
  readonly hostname?: string;
  /** Extra `/etc/hosts` lines (`--add-host`): name and address. */
  readonly extraHosts?: ReadonlyArray<{ readonly name: string; readonly address: string }>;
  /** Content of the container's /etc/resolv.conf; default the host's. */
  readonly resolvConf?: string;
  /** Extra mounts (RUN --mount); never part of the layer. */
  readonly mounts?: readonly RunMount[];
  /**
   * User-namespace id mappings (host ids): the building user as 0, then at most one subordinate
   * range. Default when not root: the user's ranges in /etc/subuid and /etc/subgid.
   */
  readonly idMappings?: { readonly uid: readonly IdMapping[]; readonly gid: readonly IdMapping[] };
  /** `overlay`, `snapshot`, or `auto` (default: overlay, falling back to a snapshot when it cannot mount). */
  readonly capture?: CaptureMethod | 'auto';
  /** The step's place, named in a failure's message and data. */
  readonly place?: StepPlace;
  /** Receives the step's output as it comes. */
  readonly onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Things left out rather than failed (a skipped whiteout, the overlay fallback). */
  readonly onWarning?: (message: string) => void;
  /** Clamp the layer's mtimes to this time (seconds since the epoch), for reproducible layers. */
  readonly timestamp?: number;
  /**
   * Stores the new layer's uncompressed tar and returns what the caller keeps of it; default: a
   * gzip blob spooled under `cacheRoot` ({@link SpooledRunLayer}). A returned value with a
   * `diffId` must carry the digest of the tar exactly as given: the step's upper directory is kept
   * under it as that layer's unpacked form (capture/adopt.ts).
   */
  readonly writeLayer?: (tar: Readable, options: { signal?: AbortSignal }) => Promise<L>;
  /** The runc binary (default `runc` on PATH) and its state directory (default runc's own). */
  readonly runc?: { readonly binary?: string; readonly root?: string };
  readonly signal?: AbortSignal;
}

/** The default layer output: a gzip blob in a temp folder, removed by `dispose()`. */
export interface SpooledRunLayer {
  readonly descriptor: Descriptor;
  readonly diffId: Digest;
  /** Size of the uncompressed tar. */
  readonly uncompressedSize: number;
  /** The compressed blob. */
  open(): Readable;
  dispose(): Promise<void>;
}

/** What a step did. */
export interface RunStepResult<L = SpooledRunLayer> {
  /** The new layer; undefined when the step changed nothing (no empty layer is written). */
  readonly layer?: L;
  /** Tar entries in the layer (whiteouts included). */
  readonly entries: number;
  /** How the changes were captured. */
  readonly method: CaptureMethod;
  /** The process identity the command ran as. */
  readonly user: { readonly uid: number; readonly gid: number; readonly additionalGids: readonly number[] };
}
