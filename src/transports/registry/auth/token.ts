/**
 * Fetching bearer tokens from a token service (distribution token spec; spec-checklist §4.12
 * items 2-5): `GET realm?service=&scope=...` with Basic credentials or anonymously, and the
 * OAuth2 `POST realm` with `grant_type=refresh_token` when an identity token is known, falling
 * back to GET when the service answers 404. Requests go over undici and never follow redirects.
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ErrorCode, OciError } from '../../../errors/index.ts';
import { request } from '../undici-core.ts';
import type { Credential } from './credentials.ts';

/** One token request. */
export interface TokenRequest {
  /** The registry the token is for (named in error messages). */
  registryHost: string;
  /** The token service URL (the challenge's `realm`), already checked to be http(s). */
  realm: URL;
  /** The challenge's `service`, when it named one. */
  service?: string;
  /** Canonical scope strings (`repository:name:pull,push`), one `scope` parameter each. */
  scopes: string[];
  /** Credentials to authenticate with; anonymous when absent. */
  credential?: Credential;
  /** The OAuth2 client id sent with POST requests. */
  clientId: string;
}

/** A token as the service issued it. */
export interface TokenResult {
  token: string;
  /** Lifetime in seconds (the service's `expires_in`; 60 when absent). */
  expiresIn: number;
  /** The service's `issued_at`, when it sent a valid one. */
  issuedAt?: Date;
  /** A new refresh token, when the service sent one. */
  refreshToken?: string;
}

/** Fetches a token; implementations throw OciError (UNAUTHORIZED for refused credentials). */
export type TokenFetcher = (request: TokenRequest, signal?: AbortSignal) => Promise<TokenResult>;

/** Default token lifetime when the service gives none (token spec "expires_in"). */
export const DEFAULT_EXPIRES_IN = 60;

const BODY_LIMIT = 1024 * 1024;

/** The URL with userinfo, query and fragment removed, for messages and error data. */
export function redactedRealm(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Names who was refused: the user, or "anonymous access". */
function who(credential: Credential | undefined): string {
  if (credential === undefined) return 'anonymous access';
  return credential.username !== ''
    ? `user ${JSON.stringify(credential.username)}`
    : 'the stored identity token';
}

/**
 * The UNAUTHORIZED error for credentials (or anonymous access) a registry or its token service
 * refused: it names the user and where the credentials came from, and what to do, never the secret.
 */
export function credentialsRejected(
  registryHost: string,
  credential: Credential | undefined,
  detail?: string,
): OciError {
  const source = credential?.source;
  let message: string;
  if (credential === undefined) {
    message =
      `registry ${registryHost} requires authentication: anonymous access was refused ` +
      `(log in with \`ocikit login ${registryHost}\`, or pass --creds USER:PASSWORD)`;
  } else {
    message = `registry ${registryHost} rejected the credentials of ${who(credential)}${source ? ` ${source.description}` : ''} (wrong user name or password?)`;
  }
  if (detail) message += `: ${detail}`;
  if (source?.remedy) message += `; to replace them, run \`${source.remedy}\``;
  return new OciError(ErrorCode.UNAUTHORIZED, message, {
    data: {
      registry: registryHost,
      ...(credential?.username ? { user: credential.username } : {}),
      ...(source ? { source: source.description } : {}),
    },
  });
}

async function readLimited(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > BODY_LIMIT) {
      body.destroy();
      throw new OciError(ErrorCode.TOO_LARGE, 'token service response is larger than 1 MiB');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a token response body (token spec "Token Response Fields"). */
export function parseTokenResponse(text: string, realm: URL): TokenResult {
  const bad = (reason: string) =>
    new OciError(ErrorCode.REGISTRY_ERROR, `token service ${redactedRealm(realm)} sent ${reason}`, {
      data: { realm: redactedRealm(realm) },
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw bad('a response that is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw bad('a response that is not an object');
  const fields = parsed as Record<string, unknown>;
  const token = [fields.token, fields.access_token].find(
    (t): t is string => typeof t === 'string' && t !== '',
  );
  if (token === undefined) throw bad('no token (neither "token" nor "access_token")');
  if (/[\r\n\0]/.test(token)) throw bad('a token with control characters');
  const expiresIn =
    typeof fields.expires_in === 'number' && Number.isFinite(fields.expires_in) && fields.expires_in > 0
      ? fields.expires_in
      : DEFAULT_EXPIRES_IN;
  const result: TokenResult = { token, expiresIn };
  if (typeof fields.issued_at === 'string') {
    const issuedAt = new Date(fields.issued_at);
    if (!Number.isNaN(issuedAt.getTime())) result.issuedAt = issuedAt;
  }
  if (typeof fields.refresh_token === 'string' && fields.refresh_token !== '')
    result.refreshToken = fields.refresh_token;
  return result;
}

function networkFailure(realm: URL, err: unknown): OciError {
  if (err instanceof OciError) return err;
  if (err instanceof Error && err.name === 'AbortError') {
    return new OciError(ErrorCode.ABORTED, 'operation aborted', { cause: err });
  }
  return new OciError(ErrorCode.NETWORK_ERROR, `cannot reach token service ${redactedRealm(realm)}`, {
    data: { realm: redactedRealm(realm) },
    cause: err,
    retryable: true,
  });
}

function statusFailure(req: TokenRequest, method: string, status: number): OciError {
  if (status === 401 || status === 403) return credentialsRejected(req.registryHost, req.credential);
  return new OciError(
    ErrorCode.REGISTRY_ERROR,
    `token service ${redactedRealm(req.realm)} answered ${method} with HTTP ${status}`,
    {
      data: { realm: redactedRealm(req.realm), status, method },
      retryable: status === 429 || (status >= 500 && status !== 501),
    },
  );
}

/** Creates the default token fetcher, sending through `dispatcher` (undici's global one when absent). */
export function createTokenFetcher(
  options: { dispatcher?: Dispatcher; userAgent?: string } = {},
): TokenFetcher {
  const userAgent = options.userAgent ?? 'ocikit';
  const send = async (
    url: URL,
    init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
    signal: AbortSignal | undefined,
  ) => {
    try {
      const res = await request(url, {
        method: init.method,
        headers: { 'user-agent': userAgent, accept: 'application/json', ...init.headers },
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
        signal,
      });
      if (res.statusCode !== 200) {
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
        return { status: res.statusCode, text: '' };
      }
      return { status: res.statusCode, text: await readLimited(res.body) };
    } catch (err) {
      throw networkFailure(url, err);
    }
  };

  return async (req, signal) => {
    const { credential } = req;
    if (credential?.identityToken !== undefined) {
      // OAuth2 (token spec "oauth.md"): one space-separated scope parameter.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credential.identityToken,
        client_id: req.clientId,
      });
      if (req.service !== undefined) form.set('service', req.service);
      if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '));
      const res = await send(
        req.realm,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        },
        signal,
      );
      if (res.status === 200) return parseTokenResponse(res.text, req.realm);
      if (res.status !== 404) throw statusFailure(req, 'POST', res.status);
    }
    const url = new URL(req.realm);
    if (req.service !== undefined) url.searchParams.append('service', req.service);
    for (const scope of req.scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = {};
    if (credential?.password !== undefined) {
      headers.authorization = `Basic ${Buffer.from(`${credential.username}:${credential.password}`, 'utf8').toString('base64')}`;
    }
    const res = await send(url, { method: 'GET', headers }, signal);
    if (res.status !== 200) {
      // After a failed identity-token POST, a GET without a password was anonymous.
      const sentCredential = credential?.password !== undefined ? credential : undefined;
      throw statusFailure(
        { ...req, ...(sentCredential ? {} : { credential: undefined }) },
        'GET',
        res.status,
      );
    }
    return parseTokenResponse(res.text, req.realm);
  };
}
