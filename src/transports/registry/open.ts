/**
 * Opening a registry client the way skopeo sets one up from its flags: credentials from the
 * caller (`--creds`, `--registry-token`) or from the auth files (`--authfile` or the default
 * chain), and TLS from `--cert-dir` or the per-host certs.d folders, verified unless
 * `--tls-verify=false`. Token requests go through the registry's own connection settings.
 */
import { apiHost, validateRegistry } from '../../reference/index.ts';
import { createAuthFileStore } from './auth/auth-files.ts';
import { createAuthenticator } from './auth/authenticator.ts';
import { fixedCredentialStore, memoryCredentialStore } from './auth/credentials.ts';
import { registryTokenAuthenticator } from './auth/registry-token.ts';
import { createTokenFetcher, type TokenFetcher } from './auth/token.ts';
import { RegistryClient, type RegistryClientOptions } from './client.ts';
import { credentialHelpersLoader } from './conf/credential-helpers.ts';
import { loadRegistryTls, type RegistryTlsOptions } from './tls/settings.ts';

/** How to authenticate to a registry and secure the connection (the transport options carry the same fields). */
export interface RegistryConnectionOptions extends RegistryTlsOptions {
  /** The same as `tlsVerify: false` (`--insecure`). */
  insecure?: boolean;
  /** A user name and password that replace any stored credentials (`--creds`). */
  credentials?: { username: string; password: string };
  /** A bearer token sent to the registry as it is (`--registry-token`); no token service is asked. */
  registryToken?: string;
  /** The only auth file read (`--authfile`); default `$REGISTRY_AUTH_FILE`, else the containers and Docker files in turn. */
  authFile?: string;
  /** Access the registry anonymously: no stored credentials are read (`--src-no-creds`, `--dest-no-creds`). */
  anonymous?: boolean;
}

/**
 * Options of {@link openRegistryClient}: the client's own, with the connection options above, and
 * the registries.conf whose `credential-helpers` say where stored credentials are looked for.
 */
export type OpenRegistryOptions = Omit<RegistryClientOptions, 'insecure' | 'tlsVerify' | 'tls'> &
  RegistryConnectionOptions & { registriesConf?: string; registriesConfRoot?: string };

/**
 * The stored-credentials store for `options`: the auth files, or registries.conf's
 * `credential-helpers`, read only when a registry first asks for credentials.
 */
function storedCredentials(options: OpenRegistryOptions): ReturnType<typeof createAuthFileStore> {
  return createAuthFileStore({
    ...(options.authFile !== undefined ? { authFile: options.authFile } : {}),
    credentialHelpers: credentialHelpersLoader(options),
  });
}

/**
 * A {@link RegistryClient} for `registry` (`host[:port]` as references name it; Docker Hub is
 * `docker.io`) set up from `options`. Throws INVALID_REFERENCE for a bad name, and
 * INVALID_ARGUMENT for a broken cert folder (a `.cert` without its `.key`, ...).
 */
export async function openRegistryClient(
  registry: string,
  options: OpenRegistryOptions = {},
): Promise<RegistryClient> {
  const {
    insecure,
    credentials,
    registryToken,
    authFile: _authFile,
    anonymous,
    tlsVerify: verifyOption,
    certDir,
    certsDirectories,
    registriesConf: _conf,
    registriesConfRoot: _root,
    ...clientOptions
  } = options;
  const name = validateRegistry(registry);
  const tlsVerify = insecure === true ? false : verifyOption;
  const tls = await loadRegistryTls(name, {
    ...(tlsVerify !== undefined ? { tlsVerify } : {}),
    ...(certDir !== undefined ? { certDir } : {}),
    ...(certsDirectories !== undefined ? { certsDirectories } : {}),
  });
  const target = clientOptions.apiHost ?? apiHost(name);
  let client: RegistryClient | undefined;
  let fetcher: TokenFetcher | undefined;
  const fetchToken: TokenFetcher = (request, signal) => {
    fetcher ??= createTokenFetcher(client ? { dispatcher: client.http.dispatcher } : {});
    return fetcher(request, signal);
  };
  const authenticator =
    clientOptions.authenticator ??
    (registryToken !== undefined
      ? registryTokenAuthenticator(registryToken)
      : createAuthenticator({
          credentials: credentials
            ? fixedCredentialStore(credentials)
            : anonymous === true
              ? memoryCredentialStore()
              : storedCredentials(options),
          fetchToken,
          // A registry the caller marked unverified may have its token service on plain HTTP too.
          ...(tlsVerify === false ? { insecureHosts: [name, target] } : {}),
        }));
  client = new RegistryClient(name, {
    ...clientOptions,
    authenticator,
    apiHost: target,
    tls,
    ...(tlsVerify !== undefined ? { tlsVerify } : {}),
  });
  return client;
}
