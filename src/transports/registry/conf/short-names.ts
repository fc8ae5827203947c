/**
 * Short-name resolution as containers/image applies registries.conf (containers-registries.conf(5),
 * "Short-Name Aliasing"): a fully-qualified name is used as it is; an `[aliases]` entry resolves a
 * short name directly; otherwise the `unqualified-search-registries` are the candidates, in
 * order. With no search registries a short name means Docker Hub, as it always has.
 */
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { formatReference, parseReference, type Reference } from '../../../reference/index.ts';
import { isQualified } from './schema.ts';
import type { RegistriesConf } from './types.ts';

/** What a name resolves to. */
export interface ShortNameResolution {
  /** The references to try, in order (one unless search registries make it ambiguous). */
  readonly candidates: Reference[];
  /** The alias file, when an `[aliases]` entry decided. */
  readonly aliasFile?: string;
  /** True when `input` was a short name. */
  readonly short: boolean;
}

/** Splits `name[:tag][@digest]` into the name and the rest (`:tag@digest`). */
function splitSuffix(input: string): { name: string; suffix: string } {
  const at = input.indexOf('@');
  const beforeDigest = at < 0 ? input : input.slice(0, at);
  const colon = beforeDigest.lastIndexOf(':');
  const cut = colon > beforeDigest.lastIndexOf('/') ? colon : beforeDigest.length;
  return { name: input.slice(0, cut), suffix: input.slice(cut) };
}

/** The candidates for `input` (a reference without transport prefix); INVALID_REFERENCE when malformed. */
export function resolveShortName(conf: RegistriesConf, input: string): ShortNameResolution {
  const parsed = parseReference(input);
  if (isQualified(input)) return { candidates: [parsed], short: false };
  const { name, suffix } = splitSuffix(input);
  const alias = conf.aliases.get(name);
  if (alias !== undefined)
    return { candidates: [parseReference(`${alias.target}${suffix}`)], aliasFile: alias.file, short: true };
  if (conf.searchRegistries.length === 0) return { candidates: [parsed], short: true };
  return {
    candidates: conf.searchRegistries.map((registry) => parseReference(`${registry}/${input}`)),
    short: true,
  };
}

/**
 * The candidates, refused (INVALID_REFERENCE, listing them) when several remain in `enforcing`
 * mode: ocikit never prompts, so an ambiguous short name needs a fully-qualified name or an alias.
 */
export function unambiguous(
  conf: RegistriesConf,
  input: string,
  resolution: ShortNameResolution,
): Reference[] {
  const { candidates } = resolution;
  if (candidates.length > 1 && conf.shortNameMode === 'enforcing') {
    const list = candidates.map(formatReference).join(', ');
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `short name ${JSON.stringify(input)} is ambiguous (short-name-mode "enforcing" in ${conf.files.join(', ')}): it could be ${list}; use a fully-qualified name or add an alias`,
      { data: { reference: input, candidates: candidates.map(formatReference) } },
    );
  }
  return candidates;
}
