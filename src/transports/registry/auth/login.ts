/**
 * `login` and `logout`: credentials are checked against the registry's `/v2/` (following its
 * challenge: Basic must be accepted, or a token must be issued and accepted) before anything is
 * saved; a refused login saves nothing (spec-checklist §4.12).
 */
import type { Dispatcher } from 'undici';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { anonymousAuthenticator } from '../auth-contract.ts';
import { RegistryClient } from '../client.ts';
import { credentialHelpersLoader } from '../conf/credential-helpers.ts';
import { discard } from '../http.ts';
import { loadRegistryTls, type RegistryTlsOptions } from '../tls/settings.ts';
import { createAuthFileStore } from './auth-files.ts';
import { createAuthenticator } from './authenticator.ts';
import { type CredentialStore, memoryCredentialStore } from './credentials.ts';
import type { InsecureHosts } from './realm.ts';
import { hostOfKey } from './server-key.ts';
import { createTokenFetcher, credentialsRejected, type TokenFetcher } from './token.ts';

/** Options of {@link login} and {@link verifyLogin}: TLS as for pulls and pushes, and where to save. */
export interface LoginOptions extends RegistryTlsOptions {
  /** The same as `tlsVerify: false` (`--insecure`). */
  insecure?: boolean;
  /**
   * The auth file saved to (`--authfile`); default `$REGISTRY_AUTH_FILE`, else Docker's
   * `config.json` (its credential helpers honoured). Not used when `store` is given.
   */
  authFile?: string;
  /** Where the credentials are saved, instead of an auth file. */
  store?: CredentialStore;
  /** The registries.conf whose `credential-helpers` say where credentials are saved (default: the usual files). */
  registriesConf?: string;
  /** Prefixed to `/etc/...` when looking for registries.conf (tests, chroots). */
  registriesConfRoot?: string;
  /** Hosts to which credentials may go over plain HTTP, for token realms. */
  insecureHosts?: InsecureHosts;
  /** undici dispatcher for the `/v2/` requests and token requests (TLS settings then are its own). */
  dispatcher?: Dispatcher;
  /** Token fetcher (default: over undici, through the same connection settings). */
  fetchToken?: TokenFetcher;
  signal?: AbortSignal;
}

/** Options of {@link logout}. */
export interface LogoutOptions {
  /** The auth file to remove them from; default as for {@link login}. */
  authFile?: string;
  store?: CredentialStore;
  /** As for {@link login}: the stores its `credential-helpers` list all lose the credentials. */
  registriesConf?: string;
  registriesConfRoot?: string;
}

/** The host a registry name stands for in credential stores: scheme and path dropped, Hub folded to `docker.io`. */
export function loginHost(registry: string): string {
  const host = hostOfKey(registry);
  let parsed: URL;
  try {
    parsed = new URL(`https://${host}/`);
  } catch {
    parsed = new URL('https://invalid.invalid/');
  }
  if (host === '' || parsed.host !== host) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `invalid registry name ${JSON.stringify(registry)}`, {
      data: { registry },
    });
  }
  return host;
}

function allowsPlainHttp(insecure: InsecureHosts | undefined, host: string): boolean {
  if (insecure === undefined) return false;
  return typeof insecure === 'function' ? insecure(host) : insecure.includes(host);
}

/** The host that serves the registry API for `host` (Docker Hub's API host differs from its name). */
function apiHost(host: string): string {
  return host === 'docker.io' ? 'registry-1.docker.io' : host;
}

/**
 * Checks `username`/`password` against the registry's `/v2/` (over the same TLS settings as
 * pulls: certs.d folders, `certDir`, `tlsVerify`); throws UNAUTHORIZED when refused.
 */
export async function verifyLogin(
  registry: string,
  username: string,
  password: string,
  options: LoginOptions = {},
): Promise<void> {
  const name = loginHost(registry);
  const host = apiHost(name);
  if (username === '' || username.includes(':')) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, 'the user name must be non-empty and contain no ":"', {
      data: { registry: host },
    });
  }
  if (password === '')
    throw new OciError(ErrorCode.INVALID_ARGUMENT, 'the password is empty', { data: { registry: host } });
  const credential = { username, password };
  const hostname = new URL(`http://${host}/`).hostname;
  const tlsVerify = options.insecure === true ? false : options.tlsVerify;
  const tls = await loadRegistryTls(name, {
    ...(tlsVerify !== undefined ? { tlsVerify } : {}),
    ...(options.certDir !== undefined ? { certDir: options.certDir } : {}),
    ...(options.certsDirectories !== undefined ? { certsDirectories: options.certsDirectories } : {}),
  });
  // The registry's own client speaks to /v2/ (scheme, TLS, fallback, errors explained); the
  // Authorization header is set here, from what the challenges taught.
  const client = new RegistryClient(name, {
    apiHost: host,
    tls,
    ...(tlsVerify !== undefined ? { tlsVerify } : {}),
    authenticator: anonymousAuthenticator,
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const authenticator = createAuthenticator({
    credentials: memoryCredentialStore({ [host]: credential }),
    fetchToken: options.fetchToken ?? createTokenFetcher({ dispatcher: client.http.dispatcher }),
    insecureHosts: (candidate: string) =>
      (tlsVerify === false && (candidate === host || candidate === hostname)) ||
      allowsPlainHttp(options.insecureHosts, candidate),
  });
  try {
    let sent: string | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await client.http.send({
        method: 'GET',
        url: client.url(''),
        scopes: [],
        expect: [200, 401],
        headers: sent !== null ? { authorization: sent } : {},
        signal: options.signal,
        retry: false,
      });
      const wwwAuthenticate = res.headers['www-authenticate'];
      await discard(res.body);
      if (res.status === 200) return;
      if (wwwAuthenticate === undefined)
        throw credentialsRejected(host, credential, 'no authentication challenge');
      const again = await authenticator.challenge(host, wwwAuthenticate, [], options.signal, sent);
      if (!again) break;
      sent = (await authenticator.authorize(host, [], options.signal)) ?? null;
    }
    throw credentialsRejected(host, credential);
  } finally {
    await client.close();
  }
}

/**
 * The store `login` and `logout` write to: `store`, else the auth file named or defaulted, or the
 * stores registries.conf's `credential-helpers` lists (login saves to the first that accepts).
 */
function storeOf(options: LogoutOptions): CredentialStore {
  return (
    options.store ??
    createAuthFileStore({
      ...(options.authFile !== undefined ? { authFile: options.authFile } : {}),
      credentialHelpers: credentialHelpersLoader(options),
    })
  );
}

/**
 * Verifies the credentials against the registry, then saves them: in the auth file named (or
 * `$REGISTRY_AUTH_FILE`, else Docker's `config.json`), through its credential helper when it
 * names one, else as `auths` in a 0600 file.
 */
export async function login(
  registry: string,
  username: string,
  password: string,
  options: LoginOptions = {},
): Promise<void> {
  await verifyLogin(registry, username, password, options);
  await storeOf(options).store(loginHost(registry), username, password);
}

/** Removes the saved credentials of a registry; resolves false when there were none. */
export async function logout(registry: string, options: LogoutOptions = {}): Promise<boolean> {
  return storeOf(options).erase(loginHost(registry));
}
