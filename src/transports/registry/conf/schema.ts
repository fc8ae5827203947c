/**
 * Validating one registries.conf file (containers-registries.conf(5), version 2, and the version 1
 * tables `[registries.search]`, `[registries.insecure]`, `[registries.block]`, converted as
 * containers/image converts them) into typed entries: unknown keys are ignored as containers/image
 * does; wrong types, unknown modes, malformed prefixes and locations, both versions in one file and
 * oversized tables are refused with INVALID_ARGUMENT naming the file.
 */
import * as z from 'zod/mini';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { DOMAIN, REMAINDER, REPOSITORY } from '../../../reference/grammar.ts';
import { firstProblem } from '../../../spec/validate.ts';
import {
  type AliasEntry,
  AUTH_FILES_HELPER,
  CREDENTIAL_HELPER_NAME,
  type MirrorEntry,
  type PullFromMirror,
  type RegistryEntry,
  type ShortNameMode,
} from './types.ts';

/** At most this many `[[registry]]` tables, mirrors per registry, search registries and aliases. */
export const CONF_LIMITS = {
  registries: 1024,
  mirrors: 64,
  searchRegistries: 64,
  aliases: 4096,
  credentialHelpers: 64,
} as const;

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
  // Only a mirror's setting: refused on a registry, as containers/image refuses it.
  'pull-from-mirror': z.optional(text),
  mirror: z.optional(z.array(mirrorSchema).check(z.maxLength(CONF_LIMITS.mirrors))),
});
/** A version 1 table: `[registries.search]`, `[registries.insecure]` or `[registries.block]`. */
const v1ListSchema = z.optional(
  z.object({ registries: z.optional(z.array(text).check(z.maxLength(CONF_LIMITS.registries))) }),
);
const fileSchema = z.object({
  'unqualified-search-registries': z.optional(z.array(text).check(z.maxLength(CONF_LIMITS.searchRegistries))),
  'short-name-mode': z.optional(z.enum(['enforcing', 'permissive', 'disabled', ''])),
  registry: z.optional(z.array(registrySchema).check(z.maxLength(CONF_LIMITS.registries))),
  aliases: z.optional(z.record(text, text)),
  'credential-helpers': z.optional(z.array(text).check(z.maxLength(CONF_LIMITS.credentialHelpers))),
  registries: z.optional(z.object({ search: v1ListSchema, insecure: v1ListSchema, block: v1ListSchema })),
});

/** What one file sets; fields it leaves out are undefined (a later file then keeps the earlier value). */
export interface ConfFile {
  readonly registries: RegistryEntry[];
  readonly searchRegistries?: string[];
  readonly shortNameMode?: ShortNameMode;
  readonly aliases: Map<string, AliasEntry>;
  /** `credential-helpers`, when the file sets a non-empty list. */
  readonly credentialHelpers?: string[];
  /** The file used the version 1 tables (refused in drop-ins, as containers/image refuses them). */
  readonly version1?: boolean;
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

/**
 * A location or prefix as containers/image reads it (`parseLocation`): trailing slashes dropped,
 * a URL scheme refused.
 */
function trimLocation(file: string, where: string, value: string): string {
  const trimmed = value.replace(/\/+$/, '');
  if (/^https?:\/\//.test(trimmed))
    throw invalid(file, `${where}: invalid location ${JSON.stringify(value)}: URL schemes are not supported`);
  return trimmed;
}

function registryEntry(file: string, raw: z.infer<typeof registrySchema>, index: number): RegistryEntry {
  const where = `[[registry]] #${index + 1}`;
  const location = trimLocation(file, where, raw.location ?? '');
  const prefix =
    raw.prefix !== undefined && raw.prefix !== '' ? trimLocation(file, where, raw.prefix) : location;
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
  if (raw['pull-from-mirror'] !== undefined && raw['pull-from-mirror'] !== '')
    throw invalid(file, `${where}: pull-from-mirror is a mirror's setting, not a registry's`);
  const mirrors: MirrorEntry[] = (raw.mirror ?? []).map((m, i) => {
    const mirrorLocation = trimLocation(file, `${where} mirror #${i + 1}`, m.location);
    if (!isLocation(mirrorLocation))
      throw invalid(
        file,
        `${where} mirror #${i + 1}: invalid location ${JSON.stringify(m.location)}: expected host[:port][/path]`,
      );
    const setting = m['pull-from-mirror'];
    if (raw['mirror-by-digest-only'] === true && setting !== undefined && setting !== '')
      throw invalid(
        file,
        `${where}: mirror-by-digest-only and a mirror's pull-from-mirror cannot both be set`,
      );
    const pull: PullFromMirror = setting === undefined || setting === '' ? 'all' : setting;
    return { location: mirrorLocation, insecure: m.insecure === true, pullFromMirror: pull };
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

/**
 * The version 1 tables as version 2 entries, as containers/image converts them: a `[[registry]]`
 * per location named in `block` or `insecure` (both flags on one entry when named in both), and
 * `search` as `unqualified-search-registries`.
 */
function fromVersion1(
  file: string,
  v1: NonNullable<z.infer<typeof fileSchema>['registries']>,
): { registries: RegistryEntry[]; searchRegistries: string[] | undefined } {
  const byLocation = new Map<string, { insecure: boolean; blocked: boolean }>();
  const mark = (table: 'block' | 'insecure'): void => {
    for (const raw of v1[table]?.registries ?? []) {
      const location = trimLocation(file, `[registries.${table}]`, raw);
      if (!isLocation(location))
        throw invalid(file, `[registries.${table}]: invalid registry ${JSON.stringify(raw)}`);
      const entry = byLocation.get(location) ?? { insecure: false, blocked: false };
      if (table === 'block') entry.blocked = true;
      else entry.insecure = true;
      byLocation.set(location, entry);
    }
  };
  mark('block');
  mark('insecure');
  const search = v1.search?.registries?.map((r) => trimLocation(file, '[registries.search]', r));
  return {
    registries: [...byLocation].map(([location, flags]) => ({
      prefix: location,
      location,
      ...flags,
      mirrorByDigestOnly: false,
      mirrors: [],
      file,
    })),
    searchRegistries: search,
  };
}

/**
 * The entries as containers/image keeps them: entries naming the same location (or wildcard)
 * must agree on `insecure` and `blocked` (else the file is refused), and of several entries with
 * one prefix the first counts.
 */
function firstOfEachPrefix(file: string, registries: RegistryEntry[]): RegistryEntry[] {
  const byLocation = new Map<string, RegistryEntry>();
  for (const entry of registries) {
    const key = entry.location === '' ? entry.prefix : entry.location;
    const other = byLocation.get(key);
    if (other !== undefined && (other.insecure !== entry.insecure || other.blocked !== entry.blocked))
      throw invalid(
        file,
        `registry ${JSON.stringify(key)} is defined more than once with conflicting insecure or blocked settings`,
      );
    byLocation.set(key, entry);
  }
  const byPrefix = new Map<string, RegistryEntry>();
  for (const entry of registries) if (!byPrefix.has(entry.prefix)) byPrefix.set(entry.prefix, entry);
  return [...byPrefix.values()];
}

/** Whether a version 1 table names any registry (empty tables do not count, as in containers/image). */
function hasVersion1(v1: z.infer<typeof fileSchema>['registries']): boolean {
  return [v1?.search, v1?.insecure, v1?.block].some((t) => (t?.registries?.length ?? 0) > 0);
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
  let registries = (raw.registry ?? []).map((r, i) => registryEntry(file, r, i));
  let version1 = false;
  let searchRegistries = raw['unqualified-search-registries']?.map((r) =>
    trimLocation(file, 'unqualified-search-registries', r),
  );
  if (hasVersion1(raw.registries)) {
    const v2 =
      registries.length > 0 ||
      (searchRegistries?.length ?? 0) > 0 ||
      Object.keys(raw.aliases ?? {}).length > 0 ||
      (raw['credential-helpers']?.length ?? 0) > 0 ||
      (raw['short-name-mode'] ?? '') !== '';
    if (v2)
      throw invalid(
        file,
        'mixes the version 1 tables ([registries.search], [registries.insecure], [registries.block]) with version 2 settings, which containers/image refuses too',
      );
    ({ registries, searchRegistries } = fromVersion1(
      file,
      raw.registries as NonNullable<typeof raw.registries>,
    ));
    version1 = true;
  }
  registries = firstOfEachPrefix(file, registries);
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
    // An empty value removes the alias an earlier file set (a drop-in's way to reset one).
    if (target !== '' && (!isQualified(target) || !isLocation(target)))
      throw invalid(
        file,
        `alias ${JSON.stringify(name)}: ${JSON.stringify(target)} must be a fully-qualified name without tag or digest`,
      );
    aliases.set(name, { target, file });
  }
  const mode = raw['short-name-mode'];
  const helpers = raw['credential-helpers'];
  for (const helper of helpers ?? []) {
    if (helper !== AUTH_FILES_HELPER && !CREDENTIAL_HELPER_NAME.test(helper))
      throw invalid(
        file,
        `credential-helpers: ${JSON.stringify(helper)} is neither "${AUTH_FILES_HELPER}" nor a helper name (docker-credential-NAME)`,
      );
  }
  return {
    registries,
    ...(searchRegistries !== undefined ? { searchRegistries } : {}),
    ...(mode !== undefined && mode !== '' ? { shortNameMode: mode } : {}),
    aliases,
    // An empty list means the default, as in containers/image.
    ...(helpers !== undefined && helpers.length > 0 ? { credentialHelpers: helpers } : {}),
    ...(version1 ? { version1 } : {}),
  };
}
