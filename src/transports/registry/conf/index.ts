/**
 * registries.conf (containers-registries.conf(5), versions 2 and 1) as containers/image applies it:
 * reading and merging the files, remapping and blocking by prefix, mirrors, and short names.
 */
export { loadRegistriesConf, MAX_CONF_BYTES, type RegistriesConfOptions } from './load.ts';
export { type Endpoint, findRegistry, hostEntry, pullEndpoints, pushEndpoint } from './match.ts';
export {
  endpointEvent,
  loadForTransport,
  optionsForAttempt,
  type PullAttempt,
  type PullEndpointEvent,
  planPull,
  planPush,
  pullPlan,
  pushPlan,
  type RegistriesConfTransportOptions,
} from './plan.ts';
export { CONF_LIMITS, isQualified } from './schema.ts';
export { resolveShortName, type ShortNameResolution, unambiguous } from './short-names.ts';
export {
  type AliasEntry,
  AUTH_FILES_HELPER,
  EMPTY_REGISTRIES_CONF,
  type MirrorEntry,
  type PullFromMirror,
  type RegistriesConf,
  type RegistryEntry,
  type ShortNameMode,
} from './types.ts';
