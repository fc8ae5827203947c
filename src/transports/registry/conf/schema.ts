/**
 * Validating one registries.conf file (containers-registries.conf(5), version 2) into typed
 * entries: unknown keys are ignored as containers/image does, wrong types, unknown modes,
 * malformed prefixes and locations and oversized tables are refused with INVALID_ARGUMENT
 * naming the file.
 */
import * as z from 'zod/mini';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { DOMAIN, REMAINDER, REPOSITORY } from '../../../reference/grammar.ts';
import { firstProblem } from '../../../spec/validate.ts';
import type { AliasEntry, MirrorEntry, PullFromMirror, RegistryEntry, ShortNameMode } from './types.ts';

/** At most this many `[[registry]]` tables, mirrors per registry, search registries and aliases. */
export const CONF_LIMITS = { registries: 1024, mirrors: 64, searchRegistries: 64, aliases: 4096 } as const;

const text = z.string().check(z.maxLength(1024));
const mirrorSchema = z.object({
  location: text,
  insecure: z.optional(z.boolean()),
  'pull-from-mirror': z.optional(z.enum(['all', 'digest-only', 'tag-only', ''])),
});
const registrySchema = z.object({
  prefix: z.optional(text),
  location: z.optional(text),
  insecure: z.optional(z.boolean()),
  blocked: z.optional(z.boolean()),
  'mirror-by-digest-only': z.optional(z.boolean()),
  mirror: z.optional(z.array(mirrorSchema).check(z.maxLength(CONF_LIMITS.mirrors))),
});
const fileSchema = z.object({
  'unqualified-search-registries': z.optional(z.array(text).check(z.maxLength(CONF_LIMITS.searchRegistries))),
  'short-name-mode': z.optional(z.enum(['enforcing', 'permissive', 'disabled', ''])),
  registry: z.optional(z.array(registrySchema).check(z.maxLength(CONF_LIMITS.registries))),
  aliases: z.optional(z.record(text, text)),
});

/** What one file sets; fields it leaves out are undefined (a later file then keeps the earlier value). */
export interface ConfFile {
  readonly registries: RegistryEntry[];
  readonly searchRegistries?: string[];
  readonly shortNameMode?: ShortNameMode;
  readonly aliases: Map<string, AliasEntry>;
}

function invalid(file: string, message: string): OciError {
  return new OciError(ErrorCode.INVALID_ARGUMENT, `${file}: ${message}`, { data: { file } });
}

/** True for `host[:port][/path]` as references spell a registry and a namespace in it. */
function isLocation(value: string): boolean {
  const slash = value.indexOf('/');
  const host = slash < 0 ? value : value.slice(0, slash);
  return DOMAIN.test(host) && (slash < 0 || REPOSITORY.test(value.slice(slash + 1)));
}

/** `host[:port]/path:tag` or `host[:port]/path@digest`: a prefix may name one image. */
function isImagePrefix(value: string): boolean {
  const slash = value.indexOf('/');
  return slash > 0 && DOMAIN.test(value.slice(0, slash)) && REMAINDER.test(value.slice(slash + 1));
}

/** `*.domain` (no port, no path, one leading wildcard). */
function isWildcard(value: string): boolean {
  return (
    value.startsWith('*.') && !value.includes('/') && !value.includes(':') && DOMAIN.test(value.slice(2))
  );
}

/** True when a name's first component names a registry (`.`, `:` or `localhost`), as distribution/reference decides. */
export function isQualified(name: string): boolean {
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const first = name.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

function registryEntry(file: string, raw: z.infer<typeof registrySchema>, index: number): RegistryEntry {
  const where = `[[registry]] #${index + 1}`;
  const location = raw.location ?? '';
  const prefix = raw.prefix !== undefined && raw.prefix !== '' ? raw.prefix : location;
  if (location !== '' && !isLocation(location))
    throw invalid(
      file,
      `${where}: invalid location ${JSON.stringify(location)}: expected host[:port][/path]`,
    );
  if (prefix === '') throw invalid(file, `${where} needs a prefix or a location`);
  if (prefix.includes('*') && !isWildcard(prefix))
    throw invalid(
      file,
      `${where}: invalid prefix ${JSON.stringify(prefix)}: a wildcard is only allowed as a leading "*." before a domain`,
    );
  if (!isWildcard(prefix) && !isLocation(prefix) && !isImagePrefix(prefix))
    throw invalid(
      file,
      `${where}: invalid prefix ${JSON.stringify(prefix)}: expected host[:port][/path[:tag|@digest]] or *.domain`,
    );
  if (isWildcard(prefix) && location !== '')
    throw invalid(file, `${where}: a wildcard prefix ${JSON.stringify(prefix)} cannot have a location`);
  const mirrors: MirrorEntry[] = (raw.mirror ?? []).map((m, i) => {
    if (!isLocation(m.location))
      throw invalid(
        file,
        `${where} mirror #${i + 1}: invalid location ${JSON.stringify(m.location)}: expected host[:port][/path]`,
      );
    const pull: PullFromMirror =
      m['pull-from-mirror'] === undefined || m['pull-from-mirror'] === '' ? 'all' : m['pull-from-mirror'];
    return { location: m.location, insecure: m.insecure === true, pullFromMirror: pull };
  });
  return {
    prefix,
    location: location === '' && !isWildcard(prefix) ? prefix : location,
    insecure: raw.insecure === true,
    blocked: raw.blocked === true,
    mirrorByDigestOnly: raw['mirror-by-digest-only'] === true,
    mirrors,
    file,
  };
}

/** Validates the parsed TOML of `file`; INVALID_ARGUMENT naming the file and the offending key. */
export function validateConfFile(file: string, document: unknown): ConfFile {
  const problem = firstProblem(fileSchema, document);
  if (problem !== undefined) {
    const path = problem.path.join('.');
    throw invalid(file, `${path === '' ? 'document' : path}: ${problem.message}`);
  }
  // The value itself, as it conforms: unknown keys stay in it and are never read (containers/image ignores them).
  const raw = document as z.infer<typeof fileSchema>;
  const registries = (raw.registry ?? []).map((r, i) => registryEntry(file, r, i));
  const seen = new Set<string>();
  for (const entry of registries) {
    if (seen.has(entry.prefix))
      throw invalid(file, `registry ${JSON.stringify(entry.prefix)} is defined more than once`);
    seen.add(entry.prefix);
  }
  const searchRegistries = raw['unqualified-search-registries'];
  for (const registry of searchRegistries ?? []) {
    if (!DOMAIN.test(registry))
      throw invalid(file, `unqualified-search-registries: invalid registry ${JSON.stringify(registry)}`);
  }
  const aliases = new Map<string, AliasEntry>();
  const entries = Object.entries(raw.aliases ?? {});
  if (entries.length > CONF_LIMITS.aliases) throw invalid(file, `more than ${CONF_LIMITS.aliases} aliases`);
  for (const [name, target] of entries) {
    if (isQualified(name) || !REPOSITORY.test(name))
      throw invalid(
        file,
        `alias ${JSON.stringify(name)}: must be a short name (a path with no registry, tag or digest)`,
      );
    if (!isQualified(target) || !isLocation(target))
      throw invalid(
        file,
        `alias ${JSON.stringify(name)}: ${JSON.stringify(target)} must be a fully-qualified name without tag or digest`,
      );
    aliases.set(name, { target, file });
  }
  const mode = raw['short-name-mode'];
  return {
    registries,
    ...(searchRegistries !== undefined ? { searchRegistries } : {}),
    ...(mode !== undefined && mode !== '' ? { shortNameMode: mode } : {}),
    aliases,
  };
}
