/**
 * `login` and `logout`: credentials are checked against the registry's `/v2/` (following its
 * challenge: Basic must be accepted, or a token must be issued and accepted) before anything is
 * saved; a refused login saves nothing (spec-checklist §4.12).
 */
import type { Dispatcher } from 'undici';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { request } from '../undici-core.ts';
import { createAuthenticator } from './authenticator.ts';
import { type CredentialStore, memoryCredentialStore } from './credentials.ts';
import { createDockerCredentialStore } from './docker-credential-store.ts';
import { type InsecureHosts, isLoopbackHost } from './realm.ts';
import { hostOfKey } from './server-key.ts';
import { createTokenFetcher, credentialsRejected, type TokenFetcher } from './token.ts';

/** Options of {@link login} and {@link verifyLogin}. */
export interface LoginOptions {
  /** Talk plain HTTP to the registry (always done for loopback hosts). */
  insecure?: boolean;
  /** Where the credentials are saved; default Docker's `config.json` (helpers honoured). */
  store?: CredentialStore;
  /** Hosts to which credentials may go over plain HTTP, for token realms. */
  insecureHosts?: InsecureHosts;
  /** undici dispatcher for the `/v2/` requests and token requests. */
  dispatcher?: Dispatcher;
  /** Token fetcher (default: over undici with `dispatcher`). */
  fetchToken?: TokenFetcher;
  signal?: AbortSignal;
}

/** Options of {@link logout}. */
export interface LogoutOptions {
  store?: CredentialStore;
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

/** Checks `username`/`password` against the registry's `/v2/`; throws UNAUTHORIZED when refused. */
export async function verifyLogin(
  registry: string,
  username: string,
  password: string,
  options: LoginOptions = {},
): Promise<void> {
  const host = apiHost(loginHost(registry));
  if (username === '' || username.includes(':')) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, 'the user name must be non-empty and contain no ":"', {
      data: { registry: host },
    });
  }
  if (password === '')
    throw new OciError(ErrorCode.INVALID_ARGUMENT, 'the password is empty', { data: { registry: host } });
  const credential = { username, password };
  const hostname = new URL(`http://${host}/`).hostname;
  const plain = options.insecure === true || isLoopbackHost(hostname);
  const url = new URL(`${plain ? 'http' : 'https'}://${host}/v2/`);
  const authenticator = createAuthenticator({
    credentials: memoryCredentialStore({ [host]: credential }),
    fetchToken:
      options.fetchToken ?? createTokenFetcher(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    insecureHosts: (candidate: string) =>
      (options.insecure === true && (candidate === host || candidate === hostname)) ||
      allowsPlainHttp(options.insecureHosts, candidate),
  });
  let sent: string | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers: { 'user-agent': 'ocikit', ...(sent !== null ? { authorization: sent } : {}) },
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        signal: options.signal,
      });
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') {
        throw new OciError(ErrorCode.ABORTED, 'operation aborted', { cause: err });
      }
      throw new OciError(ErrorCode.NETWORK_ERROR, `cannot reach registry ${host}`, {
        data: { registry: host },
        cause: err,
        retryable: true,
      });
    }
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    if (res.statusCode === 200) return;
    if (res.statusCode !== 401) {
      throw new OciError(
        ErrorCode.REGISTRY_ERROR,
        `registry ${host} answered GET /v2/ with HTTP ${res.statusCode}`,
        {
          data: { registry: host, status: res.statusCode },
          retryable: res.statusCode >= 500,
        },
      );
    }
    const wwwAuthenticate = res.headers['www-authenticate'];
    if (wwwAuthenticate === undefined)
      throw credentialsRejected(host, credential, 'no authentication challenge');
    const again = await authenticator.challenge(host, wwwAuthenticate, [], options.signal, sent);
    if (!again) break;
    sent = (await authenticator.authorize(host, [], options.signal)) ?? null;
  }
  throw credentialsRejected(host, credential);
}

/** Verifies the credentials against the registry, then saves them (helper, else `auths` in a 0600 file). */
export async function login(
  registry: string,
  username: string,
  password: string,
  options: LoginOptions = {},
): Promise<void> {
  await verifyLogin(registry, username, password, options);
  const store = options.store ?? createDockerCredentialStore();
  await store.store(loginHost(registry), username, password);
}

/** Removes the saved credentials of a registry; resolves false when there were none. */
export async function logout(registry: string, options: LogoutOptions = {}): Promise<boolean> {
  const store = options.store ?? createDockerCredentialStore();
  return store.erase(loginHost(registry));
}
