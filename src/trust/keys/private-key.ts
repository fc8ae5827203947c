/**
 * Reading private keys as cosign writes them (sigstore cryptoutils): a PEM block
 * `ENCRYPTED SIGSTORE PRIVATE KEY` (or the older `ENCRYPTED COSIGN PRIVATE KEY`) holding the
 * password envelope of encrypted-envelope.ts around a PKCS#8 DER key; and, unencrypted, a PKCS#8
 * `PRIVATE KEY` block. Writing: the sigstore label, as cosign generate-key-pair does.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { openWithPassword, type ScryptParams, sealWithPassword } from './encrypted-envelope.ts';
import { requireP256 } from './key-type.ts';
import { decodePem, encodePem, invalidKey } from './pem.ts';

/** The PEM label cosign writes its encrypted private keys under. */
export const ENCRYPTED_SIGSTORE_KEY = 'ENCRYPTED SIGSTORE PRIVATE KEY';
/** The label older cosign releases wrote; still read. */
export const ENCRYPTED_COSIGN_KEY = 'ENCRYPTED COSIGN PRIVATE KEY';

function pkcs8(der: Uint8Array, what: string): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw invalidKey(what, 'its content is not a PKCS#8 private key', err);
  }
}

/**
 * The ECDSA P-256 private key in the PEM `text` (the file named `what`), decrypted with
 * `password` when it is encrypted. WRONG_PASSWORD when it does not open; INVALID_ARGUMENT for a
 * file that is not a private key (a public key, garbage); UNSUPPORTED for another key type or
 * curve, another KDF or cipher.
 */
export async function readPrivateKey(
  text: string | Uint8Array,
  password: string | Uint8Array,
  what = 'the private key',
): Promise<KeyObject> {
  const block = decodePem(text, what);
  switch (block.type) {
    case ENCRYPTED_SIGSTORE_KEY:
    case ENCRYPTED_COSIGN_KEY: {
      const der = await openWithPassword(block.bytes, password);
      try {
        return requireP256(pkcs8(der, what), what);
      } finally {
        der.fill(0);
      }
    }
    case 'PRIVATE KEY':
      return requireP256(pkcs8(block.bytes, what), what);
    case 'PUBLIC KEY':
      throw invalidKey(what, 'it is a public key; signing takes the private key (cosign.key)');
    default:
      throw new OciError(
        ErrorCode.UNSUPPORTED,
        `${what} is a PEM ${JSON.stringify(block.type)} block; ocikit reads cosign's ${ENCRYPTED_SIGSTORE_KEY} and PKCS#8 PRIVATE KEY blocks`,
        { data: { pemType: block.type } },
      );
  }
}

/**
 * PEM text of `key` (ECDSA P-256) encrypted with `password` the way cosign does: PKCS#8 DER in
 * the scrypt + secretbox envelope, labelled {@link ENCRYPTED_SIGSTORE_KEY}.
 */
export async function encryptPrivateKey(
  key: KeyObject,
  password: string | Uint8Array,
  params?: ScryptParams,
): Promise<string> {
  const der = requireP256(key, 'the private key').export({ format: 'der', type: 'pkcs8' });
  try {
    return encodePem(ENCRYPTED_SIGSTORE_KEY, await sealWithPassword(der, password, params));
  } finally {
    der.fill(0);
  }
}
