/**
 * The registry transport and its distribution API client (distribution-spec spec.md):
 * `docker://REF` and bare references; the `ocikit/registry` subpath. Authentication lives in
 * `./auth/` (login and logout are re-exported here), TLS settings in `./tls/`.
 */

export {
  type LoginOptions,
  type LogoutOptions,
  login,
  logout,
  verifyLogin,
} from './auth/login.ts';
export {
  type Authenticator,
  type AuthScope,
  anonymousAuthenticator,
  repositoryScope,
} from './auth-contract.ts';
export {
  type CallOptions,
  type FetchedManifest,
  type HeadResult,
  type PutManifestResult,
  RegistryClient,
  type RegistryClientOptions,
} from './client.ts';
export {
  loadRegistriesConf,
  type PullEndpointEvent,
  pullEndpoints,
  type RegistriesConf,
  type RegistriesConfOptions,
  resolveShortName,
} from './conf/index.ts';
export { type DistributionError, parseDistributionErrors } from './errors.ts';
export type { HttpOptions } from './http.ts';
export { MAX_MANIFEST_BYTES } from './manifest-limits.ts';
export { type OpenRegistryOptions, openRegistryClient, type RegistryConnectionOptions } from './open.ts';
export {
  type ReferrersOptions,
  type ReferrersResult,
  referrerDescriptor,
  removeReferrerFallback,
  updateReferrersFallback,
} from './referrers.ts';
export { referrersTag } from './referrers-tag.ts';
export { DEFAULT_RETRY, type RetryPolicy } from './retry.ts';
export {
  defaultCertsDirectories,
  loadRegistryTls,
  type RegistryTls,
  type RegistryTlsOptions,
} from './tls/index.ts';
export {
  DOCKER_PREFIX,
  parseRegistryReference,
  RegistrySink,
  RegistrySource,
  type RegistryTransportOptions,
  registrySink,
  registrySource,
  registryWithTag,
} from './transport.ts';
export { type PushBlobOptions, type PushBlobResult, uploadedBytes } from './upload.ts';
export { redactUrl } from './url.ts';
