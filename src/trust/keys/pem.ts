/**
 * PEM (RFC 7468): one `-----BEGIN TYPE-----` block of base64 lines. Reading is strict: exactly one
 * block of the text is used (the first), its label must match its end line, and headers (the
 * legacy `Proc-Type:` encryption of RFC 1421) are refused.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { decodeBase64 } from '../encoding/base64.ts';
import { MAX_KEY_FILE_BYTES } from '../limits.ts';

/** A decoded PEM block. */
export interface PemBlock {
  /** The label, e.g. `PUBLIC KEY` or `ENCRYPTED SIGSTORE PRIVATE KEY`. */
  type: string;
  bytes: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n([\s\S]*?)\r?\n?-----END ([A-Z0-9 ]{1,64})-----/;

/**
 * The first PEM block of `text` (a key file named `what`). INVALID_ARGUMENT when there is none,
 * when its end label differs, or when its body is not base64; TOO_LARGE above 64 KiB.
 */
export function decodePem(text: string | Uint8Array, what: string): PemBlock {
  const size = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
  if (size > MAX_KEY_FILE_BYTES) {
    throw new OciError(ErrorCode.TOO_LARGE, `${what} is ${size} bytes, more than a key file holds`, {
      data: { size, limit: MAX_KEY_FILE_BYTES },
    });
  }
  const source = typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
  const match = BLOCK.exec(source);
  if (match === null) throw invalidKey(what, 'it holds no PEM block (-----BEGIN ...-----)');
  const [, type, body, end] = match as unknown as [string, string, string, string];
  if (type !== end) throw invalidKey(what, `its PEM block begins as ${type} but ends as ${end}`);
  if (body.includes(':'))
    throw invalidKey(what, 'its PEM block has headers (legacy PEM encryption is not supported)');
  try {
    return { type, bytes: decodeBase64(body.replace(/[\r\n\t ]/g, ''), `${what} PEM body`) };
  } catch (err) {
    throw invalidKey(what, 'its PEM body is not base64', err);
  }
}

/** PEM text of `bytes` under `type`, in lines of 64 characters (as Go's encoding/pem writes it). */
export function encodePem(type: string, bytes: Uint8Array): string {
  const body = Buffer.from(bytes).toString('base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}-----END ${type}-----\n`;
}

/** INVALID_ARGUMENT about a key file that is not a usable key. */
export function invalidKey(what: string, why: string, cause?: unknown): OciError {
  return new OciError(ErrorCode.INVALID_ARGUMENT, `${what} is not a usable key: ${why}`, {
    data: { key: what, reason: why },
    ...(cause !== undefined ? { cause } : {}),
  });
}
