/**
 * What every step of a build shares: the Dockerfile, the expander, the context, the cache, the
 * build time, progress and warnings, and (per target platform) the arguments in scope and the
 * stages already started. Kept apart from the steps so each instruction is a small function of
 * (session, stage state, instruction).
 */
import type { Digest } from '../digest/index.ts';
import type { Image } from '../image/types.ts';
import type { Platform } from '../spec/index.ts';
import type { TransportOptions } from '../transports/index.ts';
import type { LocalCache } from './cache/local.ts';
import type { RemoteCache } from './cache/remote.ts';
import type { SourceRoot } from './context/root.ts';
import type { Instruction, ParsedDockerfile } from './dockerfile/types.ts';
import type { IgnoreMatcher } from './ignore/types.ts';
import type { SecretSource } from './options.ts';
import type { BuildEvent } from './progress.ts';
import type { ShellLexer } from './shell/types.ts';
import type { StageState } from './stage/state.ts';
import type { BuildTime } from './time.ts';

/** The parts of a build shared by all platforms and stages. */
export interface BuildSession {
  readonly dockerfile: ParsedDockerfile;
  readonly lexer: ShellLexer;
  readonly context: SourceRoot;
  /** Matchers with .dockerignore semantics, for `--exclude` and `--parents` patterns. */
  readonly matcher: (patterns: readonly string[]) => IgnoreMatcher;
  /** Parses an ONBUILD trigger into the instructions it runs. */
  readonly parseTrigger: (text: string) => Exclude<Instruction, { kind: 'FROM' }>[];
  /** The lexer for heredoc bodies (quotes are ordinary characters there). */
  readonly bodyLexer: ShellLexer;
  readonly time: BuildTime;
  readonly cache: LocalCache;
  readonly remote?: RemoteCache;
  readonly noCache: boolean;
  /** Secrets for `RUN --mount=type=secret`, by id. */
  readonly secrets?: ReadonlyMap<string, SecretSource>;
  /** The network of RUN steps without `--network` (default `host`, as `docker build` gives RUN). */
  readonly network?: 'host' | 'none';
  readonly buildArgs: ReadonlyMap<string, string>;
  /** Build args some ARG declared (for the unused-argument warning). */
  readonly usedArgs: Set<string>;
  readonly labels: Readonly<Record<string, string>>;
  readonly transport: TransportOptions;
  /** Where stage filesystems are unpacked for `COPY --from` (removed after the build). */
  readonly scratchDir: string;
  /** Keys of the steps this build computed, with their platforms (pushed to the cache repository after success). */
  readonly computed: { readonly key: string; readonly platform: Platform }[];
  readonly emit: (event: BuildEvent) => void;
  readonly warn: (message: string, line?: number) => void;
  readonly signal: AbortSignal;
  /** Images opened by name and platform, so one base is resolved once. */
  readonly images: Map<string, Promise<OpenedImage>>;
  /** Work started in the background (compressions), awaited before the build returns. */
  readonly background: Set<Promise<unknown>>;
  /** Step numbers for progress, shared by all platforms. */
  nextStep: number;
}

/** A base image opened for a stage. */
export interface OpenedImage {
  /** The name as the Dockerfile gave it, normalised (for `org.opencontainers.image.base.name`). */
  readonly name: string;
  readonly image: Image;
  /** The platform-specific manifest's digest. */
  readonly digest: Digest;
}

/** One target platform's build: its arguments and stages. */
export interface PlatformRun {
  readonly session: BuildSession;
  /** The platform asked for, or the default (then the base image's own platform may prevail). */
  readonly target: Platform;
  readonly implicit: boolean;
  /** Shown in progress for multi-platform builds. */
  readonly label?: string;
  /** ARGs of the global scope with their values (platform ARGs included). */
  readonly globalArgs: Map<string, string>;
  /** Stage results, started on demand. */
  readonly stages: Map<number, Promise<StageState>>;
  /** The stages whose layers the written image holds (the target and the stages it is built FROM). */
  readonly output: ReadonlySet<number>;
  /** Runs (or joins) the build of stage `index`. */
  stage(index: number): Promise<StageState>;
}
