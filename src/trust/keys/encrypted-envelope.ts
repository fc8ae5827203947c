/**
 * The password-encrypted envelope of cosign's private keys (the "encrypted" format of the secure
 * systems lab's securesystemslib, which sigstore's cryptoutils uses): the JSON object
 * `{"kdf":{"name":"scrypt","params":{"N":…,"r":8,"p":1},"salt":B64},"cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}`,
 * where the key is scrypt(password, salt, N, r, p, 32 bytes) and the ciphertext a NaCl secretbox
 * (XSalsa20-Poly1305, 24-byte nonce, tag first). Only the three parameter sets that format
 * defines are accepted when opening: a document may not make us spend unbounded memory or time.
 */
import { randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { promisify } from 'node:util';
import { secretbox } from '@noble/ciphers/salsa.js';
import * as z from 'zod/mini';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { decodeBase64 } from '../encoding/base64.ts';
import { goJson, readJson } from '../encoding/json.ts';
import { MAX_KEY_FILE_BYTES } from '../limits.ts';

const scrypt = promisify(scryptCallback) as (
  password: Uint8Array,
  salt: Uint8Array,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** scrypt parameters of the envelope. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** The parameter sets an envelope may use: legacy (2^15), standard (2^16, what cosign writes), OWASP (2^17). */
export const SCRYPT_PARAMS: readonly ScryptParams[] = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
];

/** What new envelopes use: N=65536, r=8, p=1, as cosign's generate-key-pair. */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { N: 65536, r: 8, p: 1 };

const SALT_BYTES = 32;
const KEY_BYTES = 32;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;

interface Envelope {
  kdf: { name: string; params: ScryptParams; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext: string;
}

const envelopeSchema = z.object({
  kdf: z.object({
    name: z.string(),
    params: z.object({ N: z.number(), r: z.number(), p: z.number() }),
    salt: z.string(),
  }),
  cipher: z.object({ name: z.string(), nonce: z.string() }),
  ciphertext: z.string(),
});

function passwordBytes(password: string | Uint8Array): Uint8Array {
  return typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
}

/** The 32-byte secretbox key scrypt derives (128·N·r bytes of memory are allowed, and a margin). */
function deriveKey(password: string | Uint8Array, salt: Uint8Array, params: ScryptParams): Promise<Buffer> {
  const maxmem = 128 * params.N * params.r * (params.p + 1) + 1024 * 1024;
  return scrypt(passwordBytes(password), salt, KEY_BYTES, { ...params, maxmem });
}

/** Encrypts `plaintext` under `password` into the envelope's JSON bytes (fresh salt and nonce). */
export async function sealWithPassword(
  plaintext: Uint8Array,
  password: string | Uint8Array,
  params: ScryptParams = DEFAULT_SCRYPT_PARAMS,
): Promise<Buffer> {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await deriveKey(password, salt, params);
  const ciphertext = secretbox(key, nonce).seal(plaintext);
  const envelope: Envelope = {
    kdf: { name: 'scrypt', params: { N: params.N, r: params.r, p: params.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  };
  return goJson(envelope);
}

/**
 * Decrypts the envelope `bytes` with `password`. INVALID_ARGUMENT for a malformed envelope,
 * UNSUPPORTED for another KDF, cipher or scrypt parameters, WRONG_PASSWORD when the secretbox
 * does not open (a wrong password, or changed bytes).
 */
export async function openWithPassword(bytes: Uint8Array, password: string | Uint8Array): Promise<Buffer> {
  let envelope: Envelope;
  let salt: Buffer;
  let nonce: Buffer;
  let ciphertext: Buffer;
  try {
    envelope = readJson<Envelope>(bytes, envelopeSchema, 'encrypted private key', MAX_KEY_FILE_BYTES);
    salt = decodeBase64(envelope.kdf.salt, 'kdf.salt');
    nonce = decodeBase64(envelope.cipher.nonce, 'cipher.nonce');
    ciphertext = decodeBase64(envelope.ciphertext, 'ciphertext');
  } catch (err) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `the encrypted private key is malformed: ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (envelope.kdf.name !== 'scrypt') {
    throw unsupported(`key derivation ${JSON.stringify(envelope.kdf.name.slice(0, 50))} (only scrypt)`);
  }
  if (envelope.cipher.name !== 'nacl/secretbox') {
    throw unsupported(`cipher ${JSON.stringify(envelope.cipher.name.slice(0, 50))} (only nacl/secretbox)`);
  }
  const { N, r, p } = envelope.kdf.params;
  const params = SCRYPT_PARAMS.find((known) => known.N === N && known.r === r && known.p === p);
  if (params === undefined) {
    throw unsupported(`scrypt parameters N=${N} r=${r} p=${p} (only N=32768, 65536 or 131072 with r=8, p=1)`);
  }
  if (nonce.byteLength !== NONCE_BYTES)
    throw unsupported(`a ${nonce.byteLength}-byte nonce (secretbox takes 24)`);
  if (ciphertext.byteLength < TAG_BYTES) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      'the encrypted private key is malformed: its ciphertext is too short',
    );
  }
  const key = await deriveKey(password, salt, params);
  try {
    return Buffer.from(secretbox(key, nonce).open(ciphertext));
  } catch (err) {
    throw new OciError(
      ErrorCode.WRONG_PASSWORD,
      'the private key does not open with this password (a wrong password, or a damaged key file)',
      { cause: err },
    );
  } finally {
    key.fill(0);
  }
}

function unsupported(what: string): OciError {
  return new OciError(ErrorCode.UNSUPPORTED, `the encrypted private key uses ${what}`);
}
