/**
 * The image config schema (config.md, Docker image spec v1.2/v1.3). config.md lets any OPTIONAL
 * field be `null` (equivalent to absent): {@link normaliseConfig} removes such nulls from the
 * parsed value, except where types.ts allows null (config, Entrypoint, Cmd, Volumes, Labels,
 * OnBuild), and turns Docker's bare-string Cmd/Entrypoint into one-element arrays. The bytes
 * stay exact.
 */
import * as z from 'zod/mini';
import { digestSchema } from './rules.ts';

/** An optional field that also accepts null, read as absent (config.md "Properties"). */
function optionalOrNull<T extends z.ZodMiniType>(schema: T) {
  return z.optional(z.nullable(schema));
}

/** Docker's StrSlice: an array of strings, null, or a bare string read as a one-element array. */
const stringSlice = z.optional(
  z.pipe(
    z.transform((value: unknown) => (typeof value === 'string' ? [value] : value)),
    z.nullable(z.array(z.string())),
  ),
);

// config.md Env: "VARNAME=VARVALUE"; the image-spec validator enforces ^[^=]+=.*$.
const ENV_ENTRY = /^[^=]+=[\s\S]*$/;
const envEntry = z.string().check(
  z.superRefine((value, ctx) => {
    if (!ENV_ENTRY.test(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be "NAME=value" with a non-empty NAME (config.md Env)' });
    }
  }),
);

const emptyObject = z.looseObject({});

/** Docker's Healthcheck (reserved in config.md): durations are integer nanoseconds. */
const healthcheckSchema = z.looseObject({
  Test: optionalOrNull(z.array(z.string())),
  Interval: optionalOrNull(z.int()),
  Timeout: optionalOrNull(z.int()),
  StartPeriod: optionalOrNull(z.int()),
  StartInterval: optionalOrNull(z.int()),
  Retries: optionalOrNull(z.int()),
});

/** config.md "config": execution defaults; Docker-only fields pass through untouched. */
export const containerConfigSchema = z.looseObject({
  User: optionalOrNull(z.string()),
  ExposedPorts: optionalOrNull(z.record(z.string(), emptyObject)),
  Env: optionalOrNull(z.array(envEntry)),
  Entrypoint: stringSlice,
  Cmd: stringSlice,
  Volumes: optionalOrNull(z.record(z.string(), emptyObject)),
  WorkingDir: optionalOrNull(z.string()),
  Labels: optionalOrNull(z.record(z.string(), z.string())),
  StopSignal: optionalOrNull(z.string()),
  ArgsEscaped: optionalOrNull(z.boolean()),
  Healthcheck: optionalOrNull(healthcheckSchema),
  Shell: optionalOrNull(z.array(z.string())),
  OnBuild: optionalOrNull(z.array(z.string())),
});

/** config.md "history": one entry per build step, fields typed. */
const historySchema = z.looseObject({
  created: optionalOrNull(z.string()),
  author: optionalOrNull(z.string()),
  created_by: optionalOrNull(z.string()),
  comment: optionalOrNull(z.string()),
  empty_layer: optionalOrNull(z.boolean()),
});

/** config.md: architecture, os and rootfs required; rootfs.type MUST be "layers". */
export const configSchema = z.looseObject({
  created: optionalOrNull(z.string()),
  author: optionalOrNull(z.string()),
  architecture: z.string(),
  os: z.string(),
  'os.version': optionalOrNull(z.string()),
  'os.features': optionalOrNull(z.array(z.string())),
  variant: optionalOrNull(z.string()),
  config: optionalOrNull(containerConfigSchema),
  rootfs: z.looseObject({
    type: z.literal('layers'),
    diff_ids: z.array(digestSchema),
  }),
  history: optionalOrNull(z.array(historySchema)),
});

const NULL_AS_ABSENT = {
  top: ['created', 'author', 'os.version', 'os.features', 'variant', 'history'],
  config: ['User', 'ExposedPorts', 'Env', 'WorkingDir', 'StopSignal', 'ArgsEscaped', 'Healthcheck', 'Shell'],
  history: ['created', 'author', 'created_by', 'comment', 'empty_layer'],
  healthcheck: ['Test', 'Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'],
};

function dropNulls(object: unknown, keys: readonly string[]): void {
  if (typeof object !== 'object' || object === null) return;
  const record = object as Record<string, unknown>;
  for (const key of keys) if (Object.hasOwn(record, key) && record[key] === null) delete record[key];
}

/**
 * Normalises a config that passed {@link configSchema}, in place: nulls that mean "absent" are
 * removed and a bare-string Cmd or Entrypoint becomes a one-element array (Docker's StrSlice).
 */
export function normaliseConfig(doc: Record<string, unknown>): void {
  dropNulls(doc, NULL_AS_ABSENT.top);
  if (Array.isArray(doc.history)) for (const item of doc.history) dropNulls(item, NULL_AS_ABSENT.history);
  const config = doc.config as Record<string, unknown> | null | undefined;
  if (typeof config !== 'object' || config === null) return;
  dropNulls(config, NULL_AS_ABSENT.config);
  dropNulls(config.Healthcheck, NULL_AS_ABSENT.healthcheck);
  for (const key of ['Cmd', 'Entrypoint']) {
    const value = config[key];
    if (typeof value === 'string') config[key] = [value];
  }
}
