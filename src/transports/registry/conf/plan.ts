/**
 * What the registry transport asks of registries.conf: for a pull, every (candidate, endpoint)
 * pair to try in order; for a push, the one place to write. Names are given as the user typed
 * them (without `docker://`), so short names can still be resolved.
 */
import { formatReference, parseReference, type Reference } from '../../../reference/index.ts';
import { loadRegistriesConf } from './load.ts';
import { type Endpoint, pullEndpoints, pushEndpoint } from './match.ts';
import { resolveShortName, unambiguous } from './short-names.ts';
import type { RegistriesConf } from './types.ts';

/** The registries.conf options of the registry transport (the transport options carry the same fields). */
export interface RegistriesConfTransportOptions {
  /** The only registries.conf read (`--registries-conf`); default `$CONTAINERS_REGISTRIES_CONF`, else the system and user files. */
  registriesConf?: string;
  /** Prefixed to the `/etc/containers/...` paths (default `/`), for tests and chroots. */
  registriesConfRoot?: string;
  /** Called once a pull has chosen where it reads from (a mirror, a remapped origin, a resolved short name). */
  onPullEndpoint?: (event: PullEndpointEvent) => void;
}

/** Which endpoint serves a pull, as told to {@link RegistriesConfTransportOptions.onPullEndpoint}. */
export interface PullEndpointEvent {
  /** The name as given. */
  readonly requested: string;
  /** The reference the endpoint is read with (`host/repo:tag`). */
  readonly endpoint: string;
  /** True when the endpoint is a mirror. */
  readonly mirror: boolean;
}

/** One place a pull may read from. */
export interface PullAttempt extends Endpoint {
  /** The fully-qualified name this attempt stands for (a short name's candidate). */
  readonly requested: Reference;
}

/** A `docker://` name is never a short name to resolve (skopeo's rule): Docker Hub, as it always was. */
function resolve(conf: RegistriesConf, reference: string): Reference[] {
  const input = bare(reference);
  if (reference.startsWith('docker://')) return [parseReference(input)];
  return unambiguous(conf, input, resolveShortName(conf, input));
}

function bare(reference: string): string {
  return reference.startsWith('docker://') ? reference.slice('docker://'.length) : reference;
}

/** The registries.conf the options name (`registriesConf`, `registriesConfRoot`), read and merged. */
export async function loadForTransport(options: RegistriesConfTransportOptions): Promise<RegistriesConf> {
  return loadRegistriesConf({
    ...(options.registriesConf !== undefined ? { file: options.registriesConf } : {}),
    ...(options.registriesConfRoot !== undefined ? { root: options.registriesConfRoot } : {}),
  });
}

/**
 * Where a pull of `reference` is tried, in order: for each short-name candidate, its mirrors then
 * its origin. DENIED for a blocked registry; INVALID_REFERENCE for an ambiguous short name in
 * enforcing mode; INVALID_ARGUMENT for a broken registries.conf.
 */
export async function pullPlan(
  reference: string,
  options: RegistriesConfTransportOptions,
): Promise<PullAttempt[]> {
  return planPull(await loadForTransport(options), reference);
}

/** {@link pullPlan} with a registries.conf already loaded (a sync reads it once for every image). */
export function planPull(conf: RegistriesConf, reference: string): PullAttempt[] {
  return resolve(conf, reference).flatMap((requested) =>
    pullEndpoints(conf, requested).map((e) => ({ ...e, requested })),
  );
}

/**
 * Where a push of `reference` goes: its (only, or first in permissive mode) candidate, as named,
 * never remapped nor a mirror (containers/image). DENIED for a blocked registry.
 */
export async function pushPlan(
  reference: string,
  options: RegistriesConfTransportOptions,
): Promise<PullAttempt> {
  return planPush(await loadForTransport(options), reference);
}

/** {@link pushPlan} with a registries.conf already loaded. */
export function planPush(conf: RegistriesConf, reference: string): PullAttempt {
  const [requested] = resolve(conf, reference) as [Reference];
  return { ...pushEndpoint(conf, requested), requested };
}

/**
 * The options to open `attempt` with: credentials given explicitly (`--creds`, `--registry-token`)
 * are for the registry named, so an attempt at another registry (a mirror, a location elsewhere)
 * goes without them and uses what is stored for that registry, as containers/image does.
 */
export function optionsForAttempt<T extends { credentials?: unknown; registryToken?: string }>(
  options: T,
  attempt: PullAttempt,
): T {
  if (attempt.reference.registry === attempt.requested.registry) return options;
  if (options.credentials === undefined && options.registryToken === undefined) return options;
  const { credentials: _credentials, registryToken: _token, ...rest } = options;
  return rest as T;
}

/** The event for a chosen attempt; undefined when nothing was remapped (the name is read where it says). */
export function endpointEvent(reference: string, attempt: PullAttempt): PullEndpointEvent | undefined {
  const endpoint = formatReference(attempt.reference);
  if (!attempt.mirror && endpoint === formatReference(attempt.requested) && bare(reference) === endpoint)
    return undefined;
  return { requested: bare(reference), endpoint, mirror: attempt.mirror };
}
