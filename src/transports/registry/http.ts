/**
 * The HTTP core of the registry client: one undici Agent (with the registry's TLS settings),
 * authorization through an {@link Authenticator}, manual redirects that never carry
 * `Authorization` to another origin (distribution-spec "Redirects", spec-checklist §10.24),
 * bounded retries, typed errors, TLS failures explained, and, with verification off, plain HTTP
 * when HTTPS fails (as containers/image pings the registry).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { type Authenticator, type AuthScope, anonymousAuthenticator } from './auth-contract.ts';
import { type DispatcherLease, leaseDispatcher } from './dispatchers.ts';
import { isNetworkFailure, networkError, registryError } from './errors.ts';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, type RetryPolicy, waitOrAbort } from './retry.ts';
import type { RecordingConnector } from './tls/connector.ts';
import { httpsOnlyFailure, isHttpsOnlyAnswer, isTlsHandshakeFailure, tlsFailure } from './tls/failures.ts';
import type { RegistryTls } from './tls/settings.ts';
import { request } from './undici-core.ts';
import { untilAborted } from './until-aborted.ts';
import { resolveLocation, sameOrigin } from './url.ts';

/** HTTP methods the distribution API uses. */
export type HttpMethod = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/**
 * A request body: bytes and stream factories can be sent again (so the request may be retried);
 * a bare stream can be sent once.
 */
export type RequestBody = Uint8Array | (() => Readable) | Readable;

/** One request to the registry. */
export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  scopes: AuthScope[];
  /** Statuses that count as success; anything else becomes an OciError. */
  expect: readonly number[];
  headers?: Record<string, string>;
  body?: RequestBody;
  signal?: AbortSignal | undefined;
  /** Whether failures may be retried (default true; never when the body cannot be replayed). */
  retry?: boolean;
}

/** A successful response; the caller must consume or dump `body`. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Dispatcher.ResponseData['body'];
  /** The URL that finally answered (after redirects). */
  url: URL;
}

/** Options of the HTTP core. */
export interface HttpOptions {
  authenticator?: Authenticator;
  /**
   * An undici dispatcher to use instead of the client's own Agent (not closed by the client).
   * Without one, the client borrows an Agent for its connection settings that no other client
   * holds meanwhile: one a closed client gave back (its kept-alive connections warm), or a new
   * one (./dispatchers.ts).
   */
  dispatcher?: Dispatcher;
  retry?: Partial<RetryPolicy>;
  /** Time allowed for response headers (default 60 s) and between body bytes (default 120 s). */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Most redirects followed per request (default 5). */
  maxRedirects?: number;
  userAgent?: string;
  /** The registry's TLS settings (CAs, client certificates, verification), for the client's own Agent. */
  tls?: RegistryTls;
  /**
   * Ping HTTPS first and use plain HTTP from then on when that fails (skopeo's
   * `--tls-verify=false`); the base URL must be `https:`.
   */
  httpFallback?: boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ERROR_BODY_LIMIT = 64 * 1024;

/** The first value of a header that may repeat. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first.trim() === '' ? undefined : first.trim();
}

/** Reads a response body as text, keeping at most `limit` bytes. */
export async function readText(body: Readable, limit = ERROR_BODY_LIMIT): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (total < limit) chunks.push(chunk.subarray(0, limit - total));
      total += chunk.byteLength;
    }
  } catch {
    // An error body that breaks off is still worth what arrived.
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Discards a response body so its connection can be reused. */
export async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  try {
    await body.dump({ limit: 256 * 1024 });
  } catch {
    // Nothing to do: the connection is simply not reused.
  }
}

/** Sends requests to one registry origin with auth, redirects, retries and typed errors. */
export class RegistryHttp {
  /** The host[:port] the authenticator knows the registry by. */
  readonly host: string;
  /** The undici dispatcher requests go through (token requests may share it). */
  readonly dispatcher: Dispatcher;
  private current: URL;
  private readonly httpsOrigin: string | undefined;
  private schemeCheck: Promise<void> | undefined;
  private readonly tls: RegistryTls | undefined;
  private readonly connector: RecordingConnector | undefined;
  private readonly authenticator: Authenticator;
  /** The borrowed Agent, when no dispatcher was passed in. */
  private readonly lease: DispatcherLease | undefined;
  private closed = false;
  private readonly policy: RetryPolicy;
  private readonly maxRedirects: number;
  private readonly userAgent: string;

  constructor(base: URL, host: string, options: HttpOptions = {}) {
    this.current = base;
    this.host = host;
    this.tls = options.tls;
    this.httpsOrigin = options.httpFallback === true && base.protocol === 'https:' ? base.origin : undefined;
    this.authenticator = options.authenticator ?? anonymousAuthenticator;
    if (options.dispatcher !== undefined) {
      this.dispatcher = options.dispatcher;
    } else {
      this.lease = leaseDispatcher({
        tls: options.tls,
        headersTimeoutMs: options.headersTimeoutMs ?? 60_000,
        bodyTimeoutMs: options.bodyTimeoutMs ?? 120_000,
      });
      this.dispatcher = this.lease.dispatcher;
      this.connector = this.lease.connector;
    }
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.maxRedirects = options.maxRedirects ?? 5;
    this.userAgent = options.userAgent ?? 'ocikit';
  }

  /** The registry's base URL, e.g. `https://host:port` (`http:` once a fallback chose plain HTTP). */
  get base(): URL {
    return this.current;
  }

  /** The retry policy in force. */
  get retryPolicy(): RetryPolicy {
    return this.policy;
  }

  /** Sends `req`, retrying what may be retried; resolves with a response whose status is in `expect`. */
  async send(request: HttpRequest): Promise<HttpResponse> {
    if (this.httpsOrigin !== undefined) {
      try {
        await this.checkScheme(request.signal);
      } catch (err) {
        throw networkError(err, request.method, request.url, request.signal);
      }
    }
    const req = { ...request, url: this.rebase(request.url) };
    const replayable = !(
      req.body !== undefined &&
      typeof req.body !== 'function' &&
      !(req.body instanceof Uint8Array)
    );
    const mayRetry = req.retry !== false && replayable;
    let challenged = false;
    for (let attempt = 1; ; attempt++) {
      if (req.signal?.aborted) throw networkError(req.signal.reason, req.method, req.url, req.signal);
      let failure: OciError;
      let retryAfter: number | undefined;
      try {
        const authorization = await this.authenticator.authorize(this.host, req.scopes, req.signal);
        const res = await this.sendFollowingRedirects(req, authorization);
        if (req.expect.includes(res.status)) return res;
        if (res.status === 401 && sameOrigin(res.url, this.base)) {
          // One retry per request: the first 401 teaches the authenticator the scheme (and fetches
          // a token), then the request is sent once more. A second 401 is final, but reaches the
          // authenticator too (its contract), so refused credentials fail naming registry and user.
          const body = await readText(res.body);
          const wwwAuthenticate = res.headers['www-authenticate'] ?? '';
          const again = await this.authenticator.challenge(
            this.host,
            wwwAuthenticate,
            req.scopes,
            req.signal,
            authorization ?? null,
          );
          if (again && replayable && !challenged) {
            challenged = true;
            attempt--;
            continue;
          }
          failure = registryError({ method: req.method, url: res.url, status: 401, body });
        } else {
          retryAfter = parseRetryAfter(res.headers['retry-after']);
          const body = req.method === 'HEAD' ? '' : await readText(res.body);
          if (
            res.status === 400 &&
            res.url.protocol === 'http:' &&
            (await this.wantsHttps(body, req.method))
          ) {
            throw httpsOnlyFailure({ registry: this.host, method: req.method, url: res.url });
          }
          failure = registryError({ method: req.method, url: res.url, status: res.status, body });
        }
      } catch (err) {
        if (err instanceof OciError) throw err;
        const tls = tlsFailure(
          err,
          { registry: this.host, tls: this.tls, method: req.method, url: req.url },
          this.connector?.alertBehind(err),
        );
        if (tls !== undefined && !req.signal?.aborted) throw tls;
        failure = networkError(err, req.method, req.url, req.signal);
        if (failure.code === ErrorCode.ABORTED) throw failure;
        if (!isNetworkFailure(err)) throw failure;
      }
      if (!mayRetry || !failure.retryable || attempt >= this.policy.attempts) throw failure;
      await waitOrAbort(backoffDelay(this.policy, attempt, retryAfter), req.signal);
    }
  }

  /** Sends one request, following redirects; `Authorization` goes only to the registry's own origin. */
  private async sendFollowingRedirects(
    req: HttpRequest,
    authorization: string | undefined,
  ): Promise<HttpResponse> {
    let url = req.url;
    let method = req.method;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
      if (authorization !== undefined && sameOrigin(url, this.base)) headers.authorization = authorization;
      const body = hop === 0 ? openBody(req.body) : undefined;
      const res = await request(url, {
        method,
        headers,
        body,
        dispatcher: this.dispatcher,
        signal: req.signal,
        // undici closes the connection after every HEAD by default (against servers that send a
        // body anyway); registries answer HEAD correctly (RFC 9110 §9.3.2), and a copy sends one
        // per blob, so each would cost a new connection (and a TLS handshake). Keep it alive.
        ...(method === 'HEAD' ? { reset: false } : {}),
      });
      const location = res.headers.location;
      const follow = (method === 'GET' || method === 'HEAD') && REDIRECTS.has(res.statusCode);
      if (!follow || typeof location !== 'string') {
        return { status: res.statusCode, headers: res.headers, body: res.body, url };
      }
      await discard(res.body);
      if (hop >= this.maxRedirects) {
        throw new OciError(ErrorCode.REGISTRY_ERROR, `too many redirects from ${this.host}`, {
          data: { status: res.statusCode, method },
        });
      }
      const next = resolveLocation(location, url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new OciError(ErrorCode.REGISTRY_ERROR, `redirect to unsupported scheme ${next.protocol}`);
      }
      if (this.base.protocol === 'https:' && next.protocol === 'http:') {
        throw new OciError(ErrorCode.REGISTRY_ERROR, 'refusing a redirect from https to plain http');
      }
      url = next;
      if (res.statusCode === 303) method = 'GET';
    }
  }

  /**
   * With plain HTTP as the fallback: `GET /v2/` over HTTPS once, and plain HTTP from then on when
   * it fails (containers/image's ping with verification off). Concurrent requests share the one
   * ping, each waiting only as long as its own signal allows; a definite answer (HTTPS works, or
   * the TLS handshake fails) is shared with later clients of the same settings, while a failure
   * that says nothing about the scheme (a timeout, a reset) sends this client alone to plain HTTP.
   * The ping is bounded by the Agent's connect and header timeouts.
   */
  private checkScheme(signal: AbortSignal | undefined): Promise<void> {
    this.schemeCheck ??= (async () => {
      const origin = this.current.origin;
      const known = this.lease?.schemes.get(origin);
      // Another client's ping under way may end without a definite answer: then ping here too.
      let scheme = await known?.catch(() => undefined);
      if (scheme === undefined) {
        const pinged = this.ping();
        const definite = pinged.then((p) => {
          if (p.definite) return p.scheme;
          throw new Error('no definite answer');
        });
        definite.catch(() => {
          if (this.lease?.schemes.get(origin) === definite) this.lease.schemes.delete(origin);
        });
        this.lease?.schemes.set(origin, definite);
        scheme = (await pinged).scheme;
      }
      if (scheme === 'http:') {
        const plain = new URL(this.current);
        plain.protocol = 'http:';
        this.current = plain;
      }
    })();
    return untilAborted(this.schemeCheck, signal);
  }

  /** `GET /v2/` over HTTPS: which scheme to use, and whether the answer is definite. */
  private async ping(): Promise<{ scheme: 'https:' | 'http:'; definite: boolean }> {
    try {
      const res = await request(new URL('/v2/', this.current), {
        method: 'GET',
        headers: { 'user-agent': this.userAgent },
        dispatcher: this.dispatcher,
      });
      await discard(res.body);
      return { scheme: 'https:', definite: true };
    } catch (err) {
      return { scheme: 'http:', definite: isTlsHandshakeFailure(err) };
    }
  }

  /** `url` on the base actually in use: an HTTPS URL of the registry becomes plain HTTP after a fallback. */
  private rebase(url: URL): URL {
    if (
      this.httpsOrigin === undefined ||
      this.current.protocol === 'https:' ||
      url.origin !== this.httpsOrigin
    )
      return url;
    const plain = new URL(url);
    plain.protocol = 'http:';
    return plain;
  }

  /**
   * Whether a 400 over plain HTTP is Go's "HTTP request to an HTTPS server" answer (a HEAD has
   * no body to tell, so `GET /v2/` is asked once more).
   */
  private async wantsHttps(body: string, method: HttpMethod): Promise<boolean> {
    if (isHttpsOnlyAnswer(body)) return true;
    if (method !== 'HEAD') return false;
    try {
      const res = await request(new URL('/v2/', this.current), {
        method: 'GET',
        headers: { 'user-agent': this.userAgent },
        dispatcher: this.dispatcher,
      });
      return res.statusCode === 400 && isHttpsOnlyAnswer(await readText(res.body, 4096));
    } catch {
      return false;
    }
  }

  /**
   * Gives the borrowed Agent back for the next client; its connections close once it has been
   * idle a few seconds (idle, they never keep the process alive). A dispatcher passed in is left open.
   * Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lease?.release();
  }
}

function openBody(body: RequestBody | undefined): Uint8Array | Readable | undefined {
  if (body === undefined || body instanceof Uint8Array) return body;
  return typeof body === 'function' ? body() : body;
}
