/**
 * Why a signature was not accepted. A check that refuses a signature throws an `OciError`
 * (SIGNATURE_INVALID, or the code of the input problem: INVALID_DOCUMENT, TOO_LARGE, UNSUPPORTED)
 * whose `data.reason` is one of {@link RejectionReason}; verification collects them per signature.
 */
import { ErrorCode, OciError } from '../errors/index.ts';

/** Stable reasons a signature is rejected, as `data.reason` of the error and in verification results. */
export type RejectionReason =
  /** The attachment is not a signature of the kind checked (another media type or artifact type). */
  | 'not-a-signature'
  /** The document is not what its format says: bad JSON, bad base64, wrong field types. */
  | 'malformed'
  /** The document is larger than the limits of limits.ts. */
  | 'too-large'
  /** The cryptographic signature does not verify with the key (another key, or changed bytes). */
  | 'bad-signature'
  /** The signed payload names another manifest digest than the image's. */
  | 'digest-mismatch'
  /** An annotation asked for is missing from the signed payload or has another value. */
  | 'annotation-mismatch'
  /** The signed payload is of another type than an image signature. */
  | 'wrong-type'
  /** A format version or algorithm ocikit does not implement. */
  | 'unsupported'
  /** The digest of the signed manifest cannot be computed, so nothing can be bound to it. */
  | 'manifest-digest-error'
  /** More signatures than {@link MAX_SIGNATURES}: the rest are not read. */
  | 'too-many'
  /** The signature's content could not be read back (missing or corrupted blob). */
  | 'unavailable';

/** A refusal of one signature: SIGNATURE_INVALID with `data.reason`. */
export function rejection(
  reason: RejectionReason,
  message: string,
  data: Record<string, unknown> = {},
  cause?: unknown,
): OciError {
  return new OciError(ErrorCode.SIGNATURE_INVALID, message, {
    data: { ...data, reason },
    ...(cause !== undefined ? { cause } : {}),
  });
}

const BY_CODE: Partial<Record<string, RejectionReason>> = {
  [ErrorCode.INVALID_DOCUMENT]: 'malformed',
  [ErrorCode.INVALID_DIGEST]: 'malformed',
  [ErrorCode.UNSUPPORTED_DIGEST]: 'unsupported',
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 'not-a-signature',
  [ErrorCode.UNSUPPORTED]: 'unsupported',
  [ErrorCode.TOO_LARGE]: 'too-large',
  [ErrorCode.NOT_FOUND]: 'unavailable',
  [ErrorCode.DIGEST_MISMATCH]: 'unavailable',
  [ErrorCode.SIZE_MISMATCH]: 'unavailable',
  [ErrorCode.INVALID_LAYOUT]: 'unavailable',
};

/** The rejection reason an error stands for: its `data.reason`, else one derived from its code. */
export function reasonOf(err: OciError): RejectionReason {
  const given = err.data.reason;
  if (typeof given === 'string') return given as RejectionReason;
  return BY_CODE[err.code] ?? 'malformed';
}

/**
 * True for errors that say something about one signature's content (so it is rejected and the
 * others are still checked); false for failures of the whole operation (network, auth, abort).
 */
export function isContentError(err: unknown): err is OciError {
  return err instanceof OciError && (err.code === ErrorCode.SIGNATURE_INVALID || err.code in BY_CODE);
}
