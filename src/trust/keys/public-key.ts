/** Public keys as cosign writes them: a PEM `PUBLIC KEY` block of a PKIX (SubjectPublicKeyInfo) DER key. */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { requireP256 } from './key-type.ts';
import { decodePem, invalidKey } from './pem.ts';

/**
 * The ECDSA P-256 public key in the PEM `text` (a file named `what`). INVALID_ARGUMENT for
 * anything but a `PUBLIC KEY` block holding a PKIX key (a private key given by mistake says so);
 * UNSUPPORTED for another key type or curve.
 */
export function readPublicKey(text: string | Uint8Array, what = 'the public key'): KeyObject {
  const block = decodePem(text, what);
  if (block.type !== 'PUBLIC KEY') {
    const hint = block.type.includes('PRIVATE') ? ' (this is a private key; verify takes the .pub file)' : '';
    throw invalidKey(what, `it is a PEM ${JSON.stringify(block.type)} block, not a PUBLIC KEY${hint}`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: block.bytes, format: 'der', type: 'spki' });
  } catch (err) {
    throw invalidKey(what, 'its content is not a PKIX public key', err);
  }
  return requireP256(key, what);
}

/** PEM text (`PUBLIC KEY`) of the public half of `key` (a public or private key object). */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'pem', type: 'spki' }).toString();
}

/** A short identifier of a public key: base64 of the SHA-256 of its PKIX DER (a bundle's key hint). */
export function publicKeyHint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ format: 'der', type: 'spki' }))
    .digest('base64');
}
