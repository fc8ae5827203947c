/** Sorts found signatures into the ones valid for an expectation and the rejected ones, with reasons. */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { requireP256 } from '../keys/key-type.ts';
import { isContentError, reasonOf } from '../rejection.ts';
import { verifyBundle } from './bundle.ts';
import { verifySimpleSigning } from './simple.ts';
import type {
  RejectedSignature,
  SignatureCandidate,
  VerifiedSignature,
  VerifyExpectation,
  VerifyResult,
} from './types.ts';

/** The verified payload of one candidate, or the OciError that rejects it (anything else is thrown). */
function check(candidate: SignatureCandidate, expected: VerifyExpectation): unknown {
  if ('error' in candidate) throw candidate.error;
  return candidate.format === 'tag'
    ? verifySimpleSigning(candidate, expected)
    : verifyBundle(candidate.bundle, expected);
}

/**
 * Checks every candidate against `expected`. Never throws for a bad signature: each one lands in
 * `rejected` with its reason; errors that are not about the signature's content are rethrown.
 * UNSUPPORTED when the key is not an ECDSA P-256 key.
 */
export function verifyCandidates(
  candidates: readonly SignatureCandidate[],
  expected: VerifyExpectation,
): VerifyResult {
  // Another key type would verify its own kind of signature (an RSA key, RSA signatures): refuse it.
  requireP256(expected.key, 'the verification key');
  const verified: VerifiedSignature[] = [];
  const rejected: RejectedSignature[] = [];
  for (const candidate of candidates) {
    try {
      verified.push({
        format: candidate.format,
        source: candidate.source,
        payload: check(candidate, expected),
      });
    } catch (err) {
      if (!isContentError(err)) throw err;
      rejected.push({
        format: candidate.format,
        source: candidate.source,
        reason: reasonOf(err),
        code: err.code,
        message: err.message,
      });
    }
  }
  return { digest: expected.digest, verified, rejected };
}

/**
 * Returns `result` when at least one signature verified; otherwise throws SIGNATURE_INVALID whose
 * message gives each rejection's reason (or says none was found) and whose `data` holds the result.
 */
export function requireVerified(result: VerifyResult, name: string): VerifyResult {
  if (result.verified.length > 0) return result;
  const why =
    result.rejected.length === 0
      ? 'no signatures were found'
      : result.rejected
          .map((r) => `${r.source}: ${r.message}`)
          .slice(0, 5)
          .join('; ') + (result.rejected.length > 5 ? `; and ${result.rejected.length - 5} more` : '');
  throw new OciError(
    ErrorCode.SIGNATURE_INVALID,
    `no valid signature for ${name} (${result.digest}): ${why}`,
    {
      data: { digest: result.digest, rejected: result.rejected },
    },
  );
}
