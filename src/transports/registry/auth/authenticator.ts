/**
 * The Authenticator: answers `authorize` from what earlier 401 challenges taught about a host
 * (anonymous, Basic, or Bearer with a realm), fetches and caches bearer tokens per host and
 * scope set until shortly before they expire, and reports refused credentials as UNAUTHORIZED
 * naming the registry and user, never the secret (spec-checklist §4.12, §10.24).
 */
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { createAuthFileStore } from './auth-files.ts';
import { parseWwwAuthenticate } from './challenge.ts';
import type { Credential, CredentialStore } from './credentials.ts';
import { assertSafeForCredentials, type InsecureHosts, parseRealm } from './realm.ts';
import { type AuthScope, canonicalScopes, parseScopeList } from './scope.ts';
import { createTokenFetcher, credentialsRejected, type TokenFetcher, type TokenResult } from './token.ts';

/** Supplies `Authorization` header values for requests to a registry host. */
export interface Authenticator {
  /** Authorization header value for a request to `registryHost` needing `scopes`, or undefined (anonymous). */
  authorize(registryHost: string, scopes: AuthScope[], signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Called with a 401 response's WWW-Authenticate header(s); returns true if a retry with new
   * credentials may succeed. Throws UNAUTHORIZED when the credentials (or anonymous access) were
   * refused, so callers should retry at most once per request and call this again on a second 401.
   * `sentAuthorization` (an ocikit extension; `null` for an anonymous request) is the header the
   * refused request carried: it tells "wrong credentials" from "credentials not sent yet" exactly
   * when requests run concurrently, and avoids refetching a token another request already renewed.
   */
  challenge(
    registryHost: string,
    wwwAuthenticate: string | string[],
    scopes: AuthScope[],
    signal?: AbortSignal,
    sentAuthorization?: string | null,
  ): Promise<boolean>;
}

/** Options of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  /**
   * Where credentials come from; default the auth files in containers/image's order (containers
   * `auth.json` files, then Docker's `config.json`) and the credential helpers they name.
   */
  credentials?: CredentialStore;
  /** Hosts to which credentials may go over plain HTTP (loopback hosts always may). */
  insecureHosts?: InsecureHosts;
  /** Fetches tokens; default GET/POST to the realm over undici. */
  fetchToken?: TokenFetcher;
  /** OAuth2 client id sent with refresh-token requests (default `ocikit`). */
  clientId?: string;
  /** Milliseconds since the epoch (default `Date.now`); lets tests move time without waiting. */
  now?: () => number;
}

interface BasicState {
  scheme: 'basic';
  /** Whether `authorize` has handed out the Basic header since the challenge. */
  sent: boolean;
}

interface BearerState {
  scheme: 'bearer';
  realm: URL;
  service: string | undefined;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Most tokens kept; expired ones are dropped first when the cache is full. */
const TOKEN_CACHE_LIMIT = 1024;
/** A token is renewed this long before it expires, at most (a tenth of its lifetime for short ones). */
const EXPIRY_MARGIN_MS = 30_000;

/** `Basic base64(user:password)` (RFC 7617). */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** When a token fetched at `received` stops being used. */
export function tokenExpiry(result: TokenResult, received: number): number {
  const lifetime = result.expiresIn * 1000;
  const issued = result.issuedAt?.getTime();
  // Trust issued_at only when it is in the recent past: a skewed server clock must not make
  // every token look expired, nor live longer than the service meant.
  const start =
    issued !== undefined && issued <= received && received - issued < lifetime / 2 ? issued : received;
  return start + lifetime - Math.min(EXPIRY_MARGIN_MS, lifetime / 10);
}

/** Creates an Authenticator (see the module comment for the flows it supports). */
export function createAuthenticator(options: AuthenticatorOptions = {}): Authenticator {
  const store = options.credentials ?? createAuthFileStore();
  const fetchToken = options.fetchToken ?? createTokenFetcher();
  const clientId = options.clientId ?? 'ocikit';
  const now = options.now ?? Date.now;
  const hosts = new Map<string, BasicState | BearerState>();
  const credentials = new Map<string, Promise<Credential | undefined>>();
  const tokens = new Map<string, CachedToken>();
  const inflight = new Map<string, Promise<CachedToken>>();
  /** Scope sets a challenge widened, by the caller's own scope set. */
  const widened = new Map<string, string[]>();

  const credentialOf = (host: string): Promise<Credential | undefined> => {
    let pending = credentials.get(host);
    if (pending === undefined) {
      pending = store.get(host);
      credentials.set(host, pending);
      pending.catch(() => credentials.delete(host));
    }
    return pending;
  };

  const callerKey = (host: string, scopes: AuthScope[]) => `${host}\n${canonicalScopes(scopes).join(' ')}`;
  const wantedScopes = (host: string, scopes: AuthScope[]) =>
    widened.get(callerKey(host, scopes)) ?? canonicalScopes(scopes);
  const tokenKey = (host: string, scopes: string[]) => `${host}\n${scopes.join(' ')}`;

  const remember = (key: string, entry: CachedToken) => {
    if (tokens.size >= TOKEN_CACHE_LIMIT) {
      const at = now();
      for (const [k, v] of tokens) if (v.expiresAt <= at) tokens.delete(k);
      if (tokens.size >= TOKEN_CACHE_LIMIT) tokens.delete(tokens.keys().next().value as string);
    }
    tokens.set(key, entry);
  };

  const fetchFor = (
    host: string,
    state: BearerState,
    scopes: string[],
    signal?: AbortSignal,
  ): Promise<CachedToken> => {
    const key = tokenKey(host, scopes);
    const running = inflight.get(key);
    if (running !== undefined) return running;
    const task = (async () => {
      const credential = await credentialOf(host);
      if (credential?.password !== undefined || credential?.identityToken !== undefined) {
        assertSafeForCredentials(host, state.realm, options.insecureHosts);
      }
      const result = await fetchToken(
        {
          registryHost: host,
          realm: state.realm,
          ...(state.service !== undefined ? { service: state.service } : {}),
          scopes,
          ...(credential !== undefined ? { credential } : {}),
          clientId,
        },
        signal,
      );
      if (result.refreshToken !== undefined && credential?.identityToken !== undefined) {
        credentials.set(host, Promise.resolve({ ...credential, identityToken: result.refreshToken }));
      }
      const entry = { token: result.token, expiresAt: tokenExpiry(result, now()) };
      remember(key, entry);
      return entry;
    })();
    inflight.set(key, task);
    const forget = () => inflight.delete(key);
    task.then(forget, forget);
    return task;
  };

  const onBearer = async (
    host: string,
    params: Map<string, string>,
    scopes: AuthScope[],
    signal: AbortSignal | undefined,
    sent: string | null | undefined,
  ): Promise<boolean> => {
    const realmText = params.get('realm');
    if (realmText === undefined || realmText === '') {
      throw new OciError(
        ErrorCode.REGISTRY_ERROR,
        `registry ${host} sent a Bearer challenge without a realm`,
        {
          data: { registry: host },
        },
      );
    }
    const state: BearerState = {
      scheme: 'bearer',
      realm: parseRealm(host, realmText),
      service: params.get('service'),
    };
    const previous = hosts.get(host);
    if (
      previous?.scheme === 'bearer' &&
      (previous.realm.href !== state.realm.href || previous.service !== state.service)
    ) {
      for (const key of tokens.keys()) if (key.startsWith(`${host}\n`)) tokens.delete(key); // another token service
    }
    hosts.set(host, state);
    const asked = parseScopeList(params.get('scope') ?? '');
    const before = wantedScopes(host, scopes);
    const wanted = canonicalScopes([...asked, ...parseScopeList(before.join(' ')), ...scopes]);
    widened.set(callerKey(host, scopes), wanted);
    const key = tokenKey(host, wanted);
    const current = tokens.get(key);
    const renewedSince = sent !== undefined && current !== undefined && sent !== `Bearer ${current.token}`;
    if (renewedSince && current.expiresAt > now()) return true;
    if (!inflight.has(key)) tokens.delete(key); // the token the registry refused, if any
    await fetchFor(host, state, wanted, signal);
    return true;
  };

  const onBasic = async (host: string, sent: string | null | undefined): Promise<boolean> => {
    const previous = hosts.get(host);
    const credential = await credentialOf(host);
    const handedOut = previous?.scheme === 'basic' && previous.sent;
    hosts.set(host, { scheme: 'basic', sent: handedOut });
    if (credential?.password === undefined) throw credentialsRejected(host, undefined);
    const ours = basicAuthorization(credential.username, credential.password);
    const refused = sent === undefined ? handedOut : sent === ours;
    if (refused) throw credentialsRejected(host, credential);
    return true;
  };

  return {
    async authorize(host, scopes, signal) {
      const state = hosts.get(host);
      if (state === undefined) return undefined;
      if (state.scheme === 'basic') {
        const credential = await credentialOf(host);
        if (credential?.password === undefined) return undefined;
        state.sent = true;
        return basicAuthorization(credential.username, credential.password);
      }
      const wanted = wantedScopes(host, scopes);
      const cached = tokens.get(tokenKey(host, wanted));
      if (cached !== undefined && cached.expiresAt > now()) return `Bearer ${cached.token}`;
      const fresh = await fetchFor(host, state, wanted, signal);
      return `Bearer ${fresh.token}`;
    },

    async challenge(host, wwwAuthenticate, scopes, signal, sentAuthorization) {
      const challenges = parseWwwAuthenticate(wwwAuthenticate);
      const bearer = challenges.find((c) => c.scheme === 'bearer');
      if (bearer !== undefined) return onBearer(host, bearer.params, scopes, signal, sentAuthorization);
      if (challenges.some((c) => c.scheme === 'basic')) return onBasic(host, sentAuthorization);
      return false;
    },
  };
}
