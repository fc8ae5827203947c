/**
 * One registries.d file (containers-registries.d(5)) parsed and checked: YAML with `default-docker`
 * and `docker` namespace entries. Kept apart from the folder's loading so that the YAML parser
 * loads only when a file exists.
 */
import { parse as parseYaml } from 'yaml';
import * as z from 'zod/mini';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { validate } from '../../spec/validate.ts';
import type { RegistriesConfig, RegistryNamespace } from './config.ts';

const namespaceSchema = z.nullable(
  z.looseObject({
    lookaside: z.optional(z.string()),
    'lookaside-staging': z.optional(z.string()),
    sigstore: z.optional(z.string()),
    'sigstore-staging': z.optional(z.string()),
    'use-sigstore-attachments': z.optional(z.boolean()),
  }),
);

const fileSchema = z.nullable(
  z.looseObject({
    'default-docker': z.optional(namespaceSchema),
    docker: z.optional(z.nullable(z.record(z.string(), namespaceSchema))),
  }),
);

/** Parses one file's text; INVALID_DOCUMENT naming `path` on bad YAML or a wrong shape. */
export function parseRegistriesFile(text: string, path: string): RegistriesConfig {
  let value: unknown;
  try {
    value = parseYaml(text, { maxAliasCount: 50, uniqueKeys: true });
  } catch (err) {
    throw new OciError(
      ErrorCode.INVALID_DOCUMENT,
      `${path}: not YAML: ${(err as Error).message.slice(0, 300)}`,
      {
        cause: err,
        data: { path },
      },
    );
  }
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = validate<z.infer<typeof fileSchema>>(fileSchema, value);
  } catch (err) {
    throw new OciError(ErrorCode.INVALID_DOCUMENT, `${path}: ${(err as Error).message}`, {
      cause: err,
      data: { path },
    });
  }
  const docker = new Map<string, RegistryNamespace>();
  for (const [name, entry] of Object.entries(parsed?.docker ?? {})) docker.set(name, entry ?? {});
  const defaultDocker = parsed?.['default-docker'];
  return { ...(defaultDocker != null ? { defaultDocker } : {}), docker };
}
