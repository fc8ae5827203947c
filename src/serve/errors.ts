/**
 * The error codes of the distribution-spec ("Error Codes", spec.md) and the HTTP status each is
 * sent with. A {@link ServeError} is an OciError that also carries the spec code and status.
 */
import { ErrorCode, OciError, type OciErrorOptions } from '../errors/index.ts';

/** The distribution-spec error codes (spec.md "Error Codes" table, code-1 … code-14), and UNKNOWN. */
export const SpecCode = {
  BLOB_UNKNOWN: 'BLOB_UNKNOWN',
  BLOB_UPLOAD_INVALID: 'BLOB_UPLOAD_INVALID',
  BLOB_UPLOAD_UNKNOWN: 'BLOB_UPLOAD_UNKNOWN',
  DIGEST_INVALID: 'DIGEST_INVALID',
  MANIFEST_BLOB_UNKNOWN: 'MANIFEST_BLOB_UNKNOWN',
  MANIFEST_INVALID: 'MANIFEST_INVALID',
  MANIFEST_UNKNOWN: 'MANIFEST_UNKNOWN',
  NAME_INVALID: 'NAME_INVALID',
  NAME_UNKNOWN: 'NAME_UNKNOWN',
  SIZE_INVALID: 'SIZE_INVALID',
  UNAUTHORIZED: 'UNAUTHORIZED',
  DENIED: 'DENIED',
  UNSUPPORTED: 'UNSUPPORTED',
  TOOMANYREQUESTS: 'TOOMANYREQUESTS',
  /** Not in the spec's table: Distribution's code for a fault of the server itself (500). */
  UNKNOWN: 'UNKNOWN',
} as const;

/** One distribution-spec error code. */
export type SpecCode = (typeof SpecCode)[keyof typeof SpecCode];

/** The ocikit error code each spec code maps to, so library callers can switch on `code`. */
const OCI_CODE: Record<SpecCode, ErrorCode> = {
  BLOB_UNKNOWN: ErrorCode.NOT_FOUND,
  BLOB_UPLOAD_INVALID: ErrorCode.INVALID_ARGUMENT,
  BLOB_UPLOAD_UNKNOWN: ErrorCode.NOT_FOUND,
  DIGEST_INVALID: ErrorCode.INVALID_DIGEST,
  MANIFEST_BLOB_UNKNOWN: ErrorCode.NOT_FOUND,
  MANIFEST_INVALID: ErrorCode.INVALID_DOCUMENT,
  MANIFEST_UNKNOWN: ErrorCode.NOT_FOUND,
  NAME_INVALID: ErrorCode.INVALID_REFERENCE,
  NAME_UNKNOWN: ErrorCode.NOT_FOUND,
  SIZE_INVALID: ErrorCode.SIZE_MISMATCH,
  UNAUTHORIZED: ErrorCode.UNAUTHORIZED,
  DENIED: ErrorCode.DENIED,
  UNSUPPORTED: ErrorCode.UNSUPPORTED,
  TOOMANYREQUESTS: ErrorCode.TOO_LARGE,
  UNKNOWN: ErrorCode.IO_ERROR,
};

/** An error answered to a client as `{"errors":[{code,message,detail}]}` with `status`. */
export class ServeError extends OciError {
  readonly specCode: SpecCode;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    specCode: SpecCode,
    status: number,
    message: string,
    options: OciErrorOptions & { headers?: Record<string, string> } = {},
  ) {
    super(OCI_CODE[specCode], message, options);
    this.name = 'ServeError';
    this.specCode = specCode;
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

/** Shorthand for a {@link ServeError}. */
export function serveError(
  specCode: SpecCode,
  status: number,
  message: string,
  data?: Record<string, unknown>,
): ServeError {
  return new ServeError(specCode, status, message, data === undefined ? {} : { data });
}

/** The JSON error body of the spec for `err` (`detail` carries the structured data, never secrets). */
export function errorBody(err: ServeError): string {
  const entry: Record<string, unknown> = { code: err.specCode, message: err.message };
  if (Object.keys(err.data).length > 0) entry.detail = err.data;
  return JSON.stringify({ errors: [entry] });
}

/** Any failure as the error a client is sent: spec errors as they are, store errors mapped to spec codes. */
export function asServeError(err: unknown): ServeError {
  if (err instanceof ServeError) return err;
  const oci = err instanceof OciError ? err : undefined;
  const message = oci?.message ?? 'internal error';
  switch (oci?.code) {
    case ErrorCode.INVALID_DIGEST:
    case ErrorCode.UNSUPPORTED_DIGEST:
    case ErrorCode.DIGEST_MISMATCH:
      return new ServeError(SpecCode.DIGEST_INVALID, 400, message, { cause: err });
    case ErrorCode.SIZE_MISMATCH:
      return new ServeError(SpecCode.SIZE_INVALID, 400, message, { cause: err });
    case ErrorCode.TOO_LARGE:
      return new ServeError(SpecCode.SIZE_INVALID, 413, message, { cause: err });
    case ErrorCode.LOCKED:
      return new ServeError(SpecCode.TOOMANYREQUESTS, 429, 'the repository is busy, retry', {
        cause: err,
        headers: { 'Retry-After': '1' },
      });
    default:
      return new ServeError(SpecCode.UNKNOWN, 500, 'internal error', { cause: err });
  }
}
