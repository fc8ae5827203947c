/**
 * Checks one sigstore bundle signature: the DSSE envelope's signature over PAE(payloadType,
 * payload) with the key, then the in-toto statement: an image signature whose subject is the
 * manifest digest, carrying the annotations asked for. A transparency log entry, if present, is
 * not checked (key-based verification, as `cosign verify --key --insecure-ignore-tlog`).
 */
import { checkAnnotations } from '../annotations.ts';
import { IN_TOTO_PAYLOAD_TYPE, preAuthEncoding } from '../bundle/dsse.ts';
import { parseDsseBundle } from '../bundle/sigstore-bundle.ts';
import { parseSignStatement, type Statement, subjectFor } from '../bundle/statement.ts';
import { decodeBase64 } from '../encoding/base64.ts';
import { requireP256 } from '../keys/key-type.ts';
import { MAX_SIGNATURE_BYTES } from '../limits.ts';
import { rejection } from '../rejection.ts';
import { verifyDer } from '../signer.ts';
import { MAX_SIGNATURE_VALUE_BYTES } from './simple.ts';
import type { VerifyExpectation } from './types.ts';

/** Most signatures one envelope may carry (cosign writes one). */
const MAX_ENVELOPE_SIGNATURES = 16;

/**
 * Returns the statement when the bundle `bytes` hold a valid signature for `expected`;
 * otherwise throws an `OciError` whose `data.reason` says why.
 */
export function verifyBundle(bytes: Uint8Array, expected: VerifyExpectation): Statement {
  requireP256(expected.key, 'the verification key');
  const { dsseEnvelope: envelope } = parseDsseBundle(bytes);
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw rejection(
      'wrong-type',
      `the envelope holds ${JSON.stringify(envelope.payloadType.slice(0, 100))}, not an in-toto statement`,
    );
  }
  if (envelope.signatures.length === 0) throw rejection('malformed', 'the envelope has no signature');
  if (envelope.signatures.length > MAX_ENVELOPE_SIGNATURES) {
    throw rejection(
      'too-large',
      `the envelope has ${envelope.signatures.length} signatures, more than ${MAX_ENVELOPE_SIGNATURES}`,
    );
  }
  const payload = decodeBase64(envelope.payload, 'the envelope payload', {
    urlSafe: true,
    maxBytes: MAX_SIGNATURE_BYTES,
  });
  const signed = preAuthEncoding(envelope.payloadType, payload);
  const valid = envelope.signatures.some((s, i) =>
    verifyDer(
      expected.key,
      signed,
      decodeBase64(s.sig, `signature ${i}`, { urlSafe: true, maxBytes: MAX_SIGNATURE_VALUE_BYTES }),
    ),
  );
  if (!valid) {
    throw rejection(
      'bad-signature',
      'no signature of the envelope verifies with the key (another key signed it, or the statement changed)',
    );
  }
  const statement = parseSignStatement(payload);
  checkAnnotations(subjectFor(statement, expected.digest).annotations, expected.annotations);
  return statement;
}
