/**
 * The one error type of ocikit. Every failure a caller can act on is an `OciError`
 * with a stable `code`, structured `data`, and the underlying `cause` when there is one.
 */
// First: on a Node.js too old for ocikit, loading any module stops here with one clear message.
import './node-version.ts';

/** Stable error codes; callers switch on these, never on messages. */
export const ErrorCode = {
  NOT_FOUND: 'NOT_FOUND',
  ALREADY_EXISTS: 'ALREADY_EXISTS',
  DIGEST_MISMATCH: 'DIGEST_MISMATCH',
  SIZE_MISMATCH: 'SIZE_MISMATCH',
  INVALID_DIGEST: 'INVALID_DIGEST',
  UNSUPPORTED_DIGEST: 'UNSUPPORTED_DIGEST',
  UNSAFE_PATH: 'UNSAFE_PATH',
  INVALID_DOCUMENT: 'INVALID_DOCUMENT',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  INVALID_REFERENCE: 'INVALID_REFERENCE',
  INVALID_PLATFORM: 'INVALID_PLATFORM',
  NO_MATCHING_PLATFORM: 'NO_MATCHING_PLATFORM',
  INVALID_LAYOUT: 'INVALID_LAYOUT',
  INVALID_ARCHIVE: 'INVALID_ARCHIVE',
  TOO_LARGE: 'TOO_LARGE',
  UNAUTHORIZED: 'UNAUTHORIZED',
  DENIED: 'DENIED',
  REGISTRY_ERROR: 'REGISTRY_ERROR',
  NETWORK_ERROR: 'NETWORK_ERROR',
  TIMEOUT: 'TIMEOUT',
  ABORTED: 'ABORTED',
  LOCKED: 'LOCKED',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  UNSUPPORTED: 'UNSUPPORTED',
  IO_ERROR: 'IO_ERROR',
  /** No signature (or not this one) is valid for the key, digest and annotations asked for. */
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  /** An encrypted private key did not open with the password given. */
  WRONG_PASSWORD: 'WRONG_PASSWORD',
  /** A command run for the caller (a build's RUN step) exited non-zero or was killed. */
  COMMAND_FAILED: 'COMMAND_FAILED',
} as const;

/** One of the stable error codes. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options for constructing an {@link OciError}. */
export interface OciErrorOptions {
  /** Structured, machine-readable detail (never secrets). */
  data?: Record<string, unknown>;
  /** The lower-level error this one wraps. */
  cause?: unknown;
  /** Whether retrying the same operation may succeed (network faults, 5xx, 429). */
  retryable?: boolean;
}

/** The base error of ocikit: a stable `code`, a clear message, structured `data`, an optional `cause`. */
export class OciError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: OciErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OciError';
    this.code = code;
    this.data = options.data ?? {};
    this.retryable = options.retryable ?? false;
  }
}

/** True when `err` is an {@link OciError}, optionally with the given code. */
export function isOciError(err: unknown, code?: ErrorCode): err is OciError {
  return err instanceof OciError && (code === undefined || err.code === code);
}

/** Wraps any thrown value into an OciError, keeping OciErrors and AbortErrors as they are. */
export function toOciError(err: unknown, fallback: ErrorCode = ErrorCode.IO_ERROR): OciError {
  if (err instanceof OciError) return err;
  if (err instanceof Error && err.name === 'AbortError') {
    return new OciError(ErrorCode.ABORTED, 'operation aborted', { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  const sysCode = (err as { code?: unknown } | null)?.code;
  if (sysCode === 'ENOENT') return new OciError(ErrorCode.NOT_FOUND, message, { cause: err });
  return new OciError(fallback, message, { cause: err });
}
