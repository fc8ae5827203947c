/**
 * Applying `[[registry]]` entries to a reference as containers/image's sysregistriesv2 does: the
 * longest matching prefix wins (`*.domain` matches any subdomain), its `location` replaces the
 * prefix for pulls, `blocked` refuses (the name asked for, and each name really contacted), and
 * pulls try the mirrors in order before the origin, filtered by `mirror-by-digest-only` and each
 * mirror's `pull-from-mirror`. Pushes go to the name as given.
 */
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { formatReference, parseReference, type Reference } from '../../../reference/index.ts';
import type { RegistriesConf, RegistryEntry } from './types.ts';

/** One place a reference can be read from (or written to). */
export interface Endpoint {
  /** The reference as that endpoint names it. */
  readonly reference: Reference;
  /** True for a `[[registry.mirror]]`. */
  readonly mirror: boolean;
  /** `insecure = true`: skip TLS verification and allow plain HTTP. */
  readonly insecure: boolean;
}

/**
 * The length of the part of `full` (`host/path[:tag][@digest]`) that `prefix` matches, or -1: the
 * prefix ends at a path, tag or digest boundary (a bare host matches only at `/`, so `a.test`
 * does not match `a.test:5000/x`). A wildcard `*.domain` matches a host ending in `.domain` and
 * covers the host alone, without its port, as containers/image cuts it for a rewrite.
 */
function matchLength(prefix: string, ref: Reference, full: string): number {
  if (prefix.startsWith('*.')) {
    const host = ref.registry.replace(/:[0-9]+$/, '');
    return host.endsWith(prefix.slice(1)) ? host.length : -1;
  }
  if (full === prefix) return prefix.length;
  if (!full.startsWith(prefix)) return -1;
  const next = full.charAt(prefix.length);
  return next === '/' || (prefix.includes('/') && (next === ':' || next === '@')) ? prefix.length : -1;
}

/**
 * The entry with the longest prefix that matches `ref` (containers/image compares the prefixes'
 * lengths, so `*.b.example` beats `*.example`), with the length of `ref` it matched; undefined
 * when none does.
 */
export function findRegistry(
  conf: RegistriesConf,
  ref: Reference,
): { entry: RegistryEntry; matched: number } | undefined {
  const full = formatReference(ref);
  let best: { entry: RegistryEntry; matched: number } | undefined;
  for (const entry of conf.registries) {
    const matched = matchLength(entry.prefix, ref, full);
    if (matched >= 0 && (best === undefined || entry.prefix.length > best.entry.prefix.length))
      best = { entry, matched };
  }
  return best;
}

/** `ref` with its first `matched` characters of name replaced by `location`, tag and digest kept. */
function rewrite(ref: Reference, matched: number, location: string): Reference {
  const rest = formatReference(ref).slice(matched);
  try {
    return parseReference(`${location}${rest}`);
  } catch (err) {
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `${formatReference(ref)} remapped to ${location}${rest} is not a valid reference`,
      { cause: err },
    );
  }
}

/** DENIED when the entry blocks its prefix (`blocked = true`), naming the config file. */
function refuseBlocked(ref: Reference, entry: RegistryEntry): void {
  if (!entry.blocked) return;
  throw new OciError(
    ErrorCode.DENIED,
    `registry ${entry.prefix} is blocked in ${entry.file} (refusing ${formatReference(ref)})`,
    { data: { reference: formatReference(ref), prefix: entry.prefix, file: entry.file } },
  );
}

/**
 * Whether the registry a rewritten name really reaches is itself blocked (containers/image checks
 * the entry of every name it contacts, not only of the name asked for).
 */
function blockedAt(conf: RegistriesConf, physical: Reference): RegistryEntry | undefined {
  const found = findRegistry(conf, physical);
  return found?.entry.blocked === true ? found.entry : undefined;
}

/**
 * Where a pull of `ref` is tried, in order: the mirrors that serve it, then the origin (remapped
 * by `location`). DENIED when the matching entry is blocked, or the remapped origin's own entry
 * is; a mirror whose own entry is blocked is left out.
 */
export function pullEndpoints(conf: RegistriesConf, ref: Reference): Endpoint[] {
  const found = findRegistry(conf, ref);
  if (found === undefined) return [{ reference: ref, mirror: false, insecure: false }];
  const { entry, matched } = found;
  refuseBlocked(ref, entry);
  const byDigest = ref.digest !== undefined;
  const out: Endpoint[] = [];
  if (byDigest || !entry.mirrorByDigestOnly) {
    for (const mirror of entry.mirrors) {
      if (mirror.pullFromMirror === 'digest-only' && !byDigest) continue;
      if (mirror.pullFromMirror === 'tag-only' && byDigest) continue;
      const reference = rewrite(ref, matched, mirror.location);
      if (blockedAt(conf, reference) !== undefined) continue;
      out.push({ reference, mirror: true, insecure: mirror.insecure });
    }
  }
  const origin = entry.location === '' ? ref : rewrite(ref, matched, entry.location);
  const blocked = origin === ref ? undefined : blockedAt(conf, origin);
  if (blocked !== undefined) refuseBlocked(origin, blocked);
  out.push({ reference: origin, mirror: false, insecure: entry.insecure });
  return out;
}

/**
 * Where `ref` is written: the name as given, never remapped by `location` nor sent to a mirror
 * (containers/image remaps pulls only); `insecure` from its entry. DENIED when blocked.
 */
export function pushEndpoint(conf: RegistriesConf, ref: Reference): Endpoint {
  const found = findRegistry(conf, ref);
  if (found === undefined) return { reference: ref, mirror: false, insecure: false };
  refuseBlocked(ref, found.entry);
  return { reference: ref, mirror: false, insecure: found.entry.insecure };
}

/**
 * How registries.conf treats the registry `host` as a whole (a catalog listing, which names no
 * repository): DENIED when a `[[registry]]` whose prefix is the host (or a wildcard over it) is
 * blocked; otherwise whether it is `insecure`.
 */
export function hostEntry(conf: RegistriesConf, host: string): { insecure: boolean } {
  const bare = host.replace(/:[0-9]+$/, '');
  let best: RegistryEntry | undefined;
  for (const entry of conf.registries) {
    const hit = entry.prefix.startsWith('*.') ? bare.endsWith(entry.prefix.slice(1)) : entry.prefix === host;
    if (hit && (best === undefined || entry.prefix.length > best.prefix.length)) best = entry;
  }
  if (best?.blocked === true)
    throw new OciError(
      ErrorCode.DENIED,
      `registry ${best.prefix} is blocked in ${best.file} (refusing ${host})`,
      {
        data: { reference: host, prefix: best.prefix, file: best.file },
      },
    );
  return { insecure: best?.insecure === true };
}
