/**
 * The build's one time (issue "Reproducible by default"): file times in new layers are clamped to
 * it and every `created` field is it. From `--timestamp S`, else SOURCE_DATE_EPOCH, else 0 (the
 * Unix epoch, as jib and ko do); `now` gives the wall clock, as `docker build` does.
 */
import { ErrorCode, OciError } from '../errors/index.ts';

/** The timestamp setting: whole seconds since the epoch, or the current time. */
export type TimestampSetting = number | 'now';

/** The resolved build time. */
export interface BuildTime {
  /** Seconds since the epoch (whole seconds). */
  readonly seconds: number;
  /** The setting it came from, as cache keys record it (`now` never matches an earlier build's layers by time). */
  readonly setting: TimestampSetting;
  /** RFC 3339 form for `created` fields, e.g. `1970-01-01T00:00:00Z`. */
  readonly iso: string;
}

/** Largest accepted timestamp: what a JavaScript Date can express, in seconds. */
const MAX_SECONDS = 8.64e12;

/** Parses a `--timestamp` value: whole non-negative seconds, or `now`. INVALID_ARGUMENT otherwise. */
export function parseTimestamp(value: string): TimestampSetting {
  if (value === 'now') return 'now';
  const seconds = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(seconds) || seconds > MAX_SECONDS) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `a timestamp is whole seconds since the Unix epoch or "now", got ${JSON.stringify(value)}`,
      { data: { timestamp: value } },
    );
  }
  return seconds;
}

/** RFC 3339 UTC text of whole seconds, without fractional digits. */
export function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Resolves the setting: explicit, else SOURCE_DATE_EPOCH (when it is whole seconds), else 0. */
export function resolveBuildTime(
  setting?: TimestampSetting,
  env: NodeJS.ProcessEnv = process.env,
): BuildTime {
  let chosen: TimestampSetting = setting ?? 0;
  if (setting === undefined) {
    const epoch = env.SOURCE_DATE_EPOCH;
    if (epoch !== undefined && epoch !== '') chosen = parseTimestamp(epoch);
  }
  if (typeof chosen === 'number' && (!Number.isSafeInteger(chosen) || chosen < 0 || chosen > MAX_SECONDS)) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `timestamp ${chosen} is out of range`, {
      data: { timestamp: chosen },
    });
  }
  const seconds = chosen === 'now' ? Math.floor(Date.now() / 1000) : chosen;
  return { seconds, setting: chosen, iso: isoSeconds(seconds) };
}
