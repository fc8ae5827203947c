/** Mapping of registry HTTP failures to OciError (distribution-spec "Error Codes", spec-checklist §4.9). */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { redactUrl } from './url.ts';

/** One entry of a distribution `errors[]` body (`detail` may be any JSON). */
export interface DistributionError {
  code: string;
  message?: string;
  detail?: unknown;
}

/** Statuses a retry may cure: request timeout, too many requests, and server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** Parses a distribution error body; anything else (HTML, empty, malformed) gives an empty list. */
export function parseDistributionErrors(body: string): DistributionError[] {
  if (body.trim() === '') return [];
  try {
    const parsed = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(parsed?.errors)) return [];
    return parsed.errors
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => ({
        code: typeof e.code === 'string' ? e.code.slice(0, 100) : 'UNKNOWN',
        ...(typeof e.message === 'string' ? { message: e.message.slice(0, 1000) } : {}),
        ...(e.detail !== undefined ? { detail: e.detail } : {}),
      }))
      .slice(0, 20);
  } catch {
    return [];
  }
}

/** The OciError code for a failed response: 401 UNAUTHORIZED, 403 DENIED, 404 NOT_FOUND, else REGISTRY_ERROR. */
export function codeForStatus(status: number, errors: DistributionError[]): ErrorCode {
  if (status === 401) return ErrorCode.UNAUTHORIZED;
  if (status === 403) return ErrorCode.DENIED;
  if (status === 404) return ErrorCode.NOT_FOUND;
  const first = errors[0]?.code;
  if (first === 'UNAUTHORIZED') return ErrorCode.UNAUTHORIZED;
  if (first === 'DENIED') return ErrorCode.DENIED;
  if (status === 413) return ErrorCode.TOO_LARGE;
  return ErrorCode.REGISTRY_ERROR;
}

/** What a failed request looked like, for the error's `data` (the URL is redacted here). */
export interface FailedRequest {
  method: string;
  url: URL | string;
  status: number;
  body: string;
}

/** Builds the OciError for a non-success response, with status, method, redacted URL and `errors[]`. */
export function registryError(failed: FailedRequest): OciError {
  const errors = parseDistributionErrors(failed.body);
  const code = codeForStatus(failed.status, errors);
  const url = redactUrl(failed.url);
  const summary = errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ');
  const message = `${failed.method} ${url} failed with HTTP ${failed.status}${summary ? ` (${summary})` : ''}`;
  return new OciError(code, message, {
    data: { status: failed.status, method: failed.method, url, errors },
    retryable: isRetryableStatus(failed.status),
  });
}

/** Error codes from Node and undici that mean the connection broke and a retry may succeed. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Codes of undici's header and body timeouts. */
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** True when `err` (or its cause) is a broken or refused connection that a retry may cure. */
export function isNetworkFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || TIMEOUT_CODES.has(code))) return true;
  }
  return false;
}

/**
 * Wraps a transport-level failure (not an HTTP status) into an OciError: ABORTED, TIMEOUT or
 * NETWORK_ERROR. OciErrors pass through unchanged.
 */
export function networkError(
  err: unknown,
  method: string,
  url: URL | string,
  signal?: AbortSignal,
): OciError {
  if (err instanceof OciError) return err;
  const tunnel = tunnelRefusal(err);
  if (tunnel !== undefined && !signal?.aborted) {
    const redacted = redactUrl(url);
    const hint =
      tunnel === 407
        ? ' (Proxy Authentication Required: give the user and password in the proxy URL, as https_proxy=http://USER:PASSWORD@HOST:PORT)'
        : '';
    return new OciError(
      ErrorCode.NETWORK_ERROR,
      `${method} ${redacted} failed: the proxy refused to open a tunnel with HTTP ${tunnel}${hint}`,
      {
        cause: err,
        data: { method, url: redacted, proxyStatus: tunnel },
        retryable: isRetryableStatus(tunnel),
      },
    );
  }
  if (signal?.aborted || (err instanceof Error && err.name === 'AbortError')) {
    return new OciError(ErrorCode.ABORTED, 'operation aborted', { cause: err });
  }
  const code = (err as { code?: unknown } | null)?.code;
  const redacted = redactUrl(url);
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return new OciError(ErrorCode.TIMEOUT, `${method} ${redacted} timed out`, {
      cause: err,
      data: { method, url: redacted },
      retryable: true,
    });
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new OciError(ErrorCode.NETWORK_ERROR, `${method} ${redacted} failed: ${detail}`, {
    cause: err,
    data: { method, url: redacted },
    retryable: isNetworkFailure(err),
  });
}

/**
 * The status a proxy answered a CONNECT with, when `err` (or its cause) is undici's report of it:
 * a RequestAbortedError ("Proxy response (407) !== 200 when HTTP Tunneling"), which would
 * otherwise read as an interrupted command.
 */
function tunnelRefusal(err: unknown): number | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = (e as { message?: unknown }).message;
    if (typeof message !== 'string') continue;
    const match = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$/.exec(message);
    if (match !== null) return Number(match[1]);
  }
  return undefined;
}
