/**
 * Checks one tag-scheme signature (a simple-signing payload and the base64 DER signature in its
 * annotations) as cosign's verify does: the signature over the exact payload bytes with the key,
 * then the payload's type, manifest digest and annotations.
 */

import { ErrorCode, OciError } from '../../errors/index.ts';
import { checkAnnotations } from '../annotations.ts';
import {
  parseSimpleSigningPayload,
  SIMPLE_SIGNING_MEDIA_TYPE,
  type SimpleSigningPayload,
} from '../cosign/simple-signing.ts';
import { SIGNATURE_ANNOTATION } from '../cosign/tag-scheme.ts';
import { decodeBase64 } from '../encoding/base64.ts';
import { requireP256 } from '../keys/key-type.ts';
import { MAX_SIGNATURE_BYTES } from '../limits.ts';
import { rejection } from '../rejection.ts';
import { verifyDer } from '../signer.ts';
import type { VerifyExpectation } from './types.ts';

/** The largest signature accepted (an ECDSA P-256 DER signature is at most 72 bytes). */
export const MAX_SIGNATURE_VALUE_BYTES = 512;

/** A simple-signing signature to check: the payload bytes and the annotations carrying the signature. */
export interface SimpleSignature {
  mediaType: string;
  payload: Uint8Array;
  annotations: Record<string, unknown> | undefined;
}

/**
 * Returns the payload when `signature` is valid for `expected`; otherwise throws an `OciError`
 * whose `data.reason` says why (`not-a-signature`, `malformed`, `too-large`, `bad-signature`,
 * `wrong-type`, `digest-mismatch`, `annotation-mismatch`).
 */
export function verifySimpleSigning(
  signature: SimpleSignature,
  expected: VerifyExpectation,
): SimpleSigningPayload {
  requireP256(expected.key, 'the verification key');
  if (signature.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) {
    throw rejection(
      'not-a-signature',
      `it is ${JSON.stringify(signature.mediaType.slice(0, 100))}, not a simple-signing payload (${SIMPLE_SIGNING_MEDIA_TYPE})`,
    );
  }
  if (signature.payload.byteLength > MAX_SIGNATURE_BYTES) {
    throw new OciError(
      ErrorCode.TOO_LARGE,
      `the payload is ${signature.payload.byteLength} bytes, over the ${MAX_SIGNATURE_BYTES}-byte limit`,
      {
        data: { reason: 'too-large' },
      },
    );
  }
  const annotations = signature.annotations ?? {};
  if (!Object.hasOwn(annotations, SIGNATURE_ANNOTATION)) {
    throw rejection('malformed', `it has no ${SIGNATURE_ANNOTATION} annotation`);
  }
  const der = decodeBase64(annotations[SIGNATURE_ANNOTATION], `the ${SIGNATURE_ANNOTATION} annotation`, {
    maxBytes: MAX_SIGNATURE_VALUE_BYTES,
  });
  if (!verifyDer(expected.key, signature.payload, der)) {
    throw rejection(
      'bad-signature',
      'the signature does not verify with the key (another key signed it, or the payload changed)',
    );
  }
  const payload = parseSimpleSigningPayload(signature.payload);
  const signed = payload.critical.image['docker-manifest-digest'];
  if (signed !== expected.digest) {
    throw rejection(
      'digest-mismatch',
      `the payload signs ${JSON.stringify(signed.slice(0, 100))}, not ${expected.digest}`,
      {
        signed: signed.slice(0, 100),
        digest: expected.digest,
      },
    );
  }
  checkAnnotations(payload.optional, expected.annotations);
  return payload;
}
