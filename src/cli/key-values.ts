/** Repeated `KEY=VALUE` flags (`--label`, `--annotation`, `--env`, `--build-arg`, …) as a record. */
import { UsageError } from './run.ts';

/** How {@link parseKeyValues} reads entries. */
export interface KeyValueOptions {
  /** A bare `KEY` takes its value from the environment (skipped when unset), as `docker build --build-arg K` does. */
  fromEnv?: boolean;
}

/**
 * Parses `KEY=VALUE` entries, the last of a repeated key winning; undefined when the flag was not
 * given. The record has no prototype, so `__proto__` is a key like any other. An entry without
 * `=` (unless `fromEnv`) or with an empty key is a UsageError naming `flag`.
 */
export function parseKeyValues(
  entries: readonly string[] | undefined,
  flag: string,
  options: KeyValueOptions = {},
): Record<string, string> | undefined {
  if (entries === undefined) return undefined;
  const out: Record<string, string> = Object.create(null);
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at === -1 && options.fromEnv && entry !== '') {
      const value = process.env[entry];
      if (value !== undefined) out[entry] = value;
      continue;
    }
    if (at <= 0) throw new UsageError(`${flag} takes KEY=VALUE, got ${JSON.stringify(entry)}`);
    out[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return out;
}
