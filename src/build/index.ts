/**
 * `ocikit/build`: Dockerfile builds without a daemon (BuildKit's Dockerfile semantics), with a
 * local and a registry cache, reproducible output and several platforms at once.
 */
export { build } from './build.ts';
export { defaultCacheDir } from './cache/local.ts';
export type { BuildOptions, BuildResult, BuiltImageSummary, SecretSource } from './options.ts';
export { defaultPlatform } from './platform-build.ts';
export type { BlobEvent, BuildEvent, OutputEvent, StepEvent, WarningEvent } from './progress.ts';
export { parseTimestamp, type TimestampSetting } from './time.ts';
