/** The one key type cosign's key pairs use, and ocikit signs and verifies with: ECDSA on P-256. */
import type { KeyObject } from 'node:crypto';
import { ErrorCode, OciError } from '../../errors/index.ts';

/** The curve of cosign key pairs, by its OpenSSL name (NIST P-256, secp256r1). */
export const COSIGN_CURVE = 'prime256v1';

/**
 * Returns `key` when it is an ECDSA P-256 key (`what` names it in errors); UNSUPPORTED for any
 * other type (RSA, Ed25519) or curve (P-384, secp256k1), naming what it is.
 */
export function requireP256(key: KeyObject, what: string): KeyObject {
  const type = key.asymmetricKeyType ?? key.type;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (type === 'ec' && curve === COSIGN_CURVE) return key;
  const found = type === 'ec' ? `an EC key on curve ${curve ?? 'unknown'}` : `a ${type} key`;
  throw new OciError(
    ErrorCode.UNSUPPORTED,
    `${what} is ${found}; cosign signatures here use ECDSA P-256 keys (as cosign generate-key-pair makes)`,
    { data: { keyType: type, curve } },
  );
}
