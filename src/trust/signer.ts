/**
 * Who signs. A {@link Signer} signs bytes and says how a verifier finds its key. Today there is
 * one kind, a key pair ({@link keySigner}); a keyless signer (a short-lived Fulcio certificate,
 * a Rekor entry) implements the same interface, returning a certificate as its verification
 * material and its certificate annotations for the tag scheme.
 */
import { createPublicKey, type KeyObject, sign as signBytes, verify as verifyBytes } from 'node:crypto';
import { requireP256 } from './keys/key-type.ts';
import { publicKeyHint } from './keys/public-key.ts';

/** How a sigstore bundle tells its verifier which key signed (bundle `verificationMaterial`). */
export type VerificationMaterial = { publicKey: { hint: string } } | { certificate: { rawBytes: string } };

/** Something that signs for cosign's formats. */
export interface Signer {
  /** Signs `data`: ECDSA P-256 over its SHA-256, returned as an ASN.1 DER signature. */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /** What a bundle carries so a verifier can find the key (a key hint; a keyless signer's certificate). */
  verificationMaterial(): VerificationMaterial;
  /** Annotations a tag-scheme signature layer carries besides the signature (a certificate and chain when keyless). */
  layerAnnotations(): Record<string, string>;
}

/** A {@link Signer} over an ECDSA P-256 private key (UNSUPPORTED for any other key). */
export function keySigner(privateKey: KeyObject): Signer {
  const key = requireP256(privateKey, 'the signing key');
  const hint = publicKeyHint(createPublicKey(key));
  return {
    async sign(data: Uint8Array): Promise<Uint8Array> {
      return signBytes('sha256', data, { key, dsaEncoding: 'der' });
    },
    verificationMaterial: () => ({ publicKey: { hint } }),
    layerAnnotations: () => ({}),
  };
}

/**
 * True when `signature` (ASN.1 DER) is a valid ECDSA-SHA256 signature of `data` by `publicKey`.
 * Malformed signatures are simply not valid (never a throw).
 */
export function verifyDer(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verifyBytes('sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
