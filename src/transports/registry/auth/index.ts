/**
 * Registry authentication (spec-checklist §4.12, §10.24): WWW-Authenticate parsing, anonymous,
 * Basic and Bearer-token flows with a token cache, credentials from the containers and Docker
 * auth files (in containers/image's order) and credential helpers, registry tokens given as they
 * are, and verified login / logout.
 */
export { type AuthFileOptions, authFilePaths, createAuthFileStore } from './auth-files.ts';
export {
  type Authenticator,
  type AuthenticatorOptions,
  basicAuthorization,
  createAuthenticator,
} from './authenticator.ts';
export { type Challenge, formatChallenges, parseWwwAuthenticate, quoteString } from './challenge.ts';
export { helperErase, helperGet, helperStore } from './credential-helper.ts';
export {
  type Credential,
  type CredentialSource,
  type CredentialStore,
  credentialFrom,
  fixedCredentialStore,
  IDENTITY_TOKEN_USER,
  memoryCredentialStore,
} from './credentials.ts';
export {
  type DockerConfig,
  defaultLoginFile,
  dockerConfigPath,
  readDockerConfig,
  writeDockerConfig,
} from './docker-config.ts';
export { createDockerCredentialStore, type DockerCredentialStoreOptions } from './docker-credential-store.ts';
export { type LoginOptions, type LogoutOptions, login, loginHost, logout, verifyLogin } from './login.ts';
export { type InsecureHosts, isLoopbackHost } from './realm.ts';
export { registryTokenAuthenticator } from './registry-token.ts';
export { type AuthScope, canonicalScopes, formatScope, parseScope, type ResourceScope } from './scope.ts';
export { credentialKey, DOCKER_HUB_KEY, hostOfKey } from './server-key.ts';
export { createTokenFetcher, type TokenFetcher, type TokenRequest, type TokenResult } from './token.ts';
