/** New key pairs as `cosign generate-key-pair` makes them. */
import { generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { COSIGN_CURVE } from './key-type.ts';
import { encryptPrivateKey } from './private-key.ts';
import { publicKeyPem } from './public-key.ts';

const generate = promisify(generateKeyPairCallback);

/** A generated key pair, as the PEM texts of `cosign.key` and `cosign.pub`. */
export interface GeneratedKeyPair {
  /** `ENCRYPTED SIGSTORE PRIVATE KEY` PEM: PKCS#8 under scrypt (N=65536, r=8, p=1) and NaCl secretbox. */
  privateKey: string;
  /** `PUBLIC KEY` PEM (PKIX). */
  publicKey: string;
}

/**
 * A fresh ECDSA P-256 key pair, the private key encrypted with `password` (which may be empty,
 * as cosign allows), in the files cosign writes and reads.
 */
export async function generateKeyPair(password: string | Uint8Array): Promise<GeneratedKeyPair> {
  const { privateKey } = (await generate('ec', { namedCurve: COSIGN_CURVE })) as {
    privateKey: KeyObject;
  };
  return { privateKey: await encryptPrivateKey(privateKey, password), publicKey: publicKeyPem(privateKey) };
}
