/**
 * Strict base64 for signature material: the text must be canonical base64 (RFC 4648 §4, with
 * padding, no whitespace; or §5 URL-safe where a format allows it), so two different texts never
 * decode to the same bytes. Node's own decoder skips characters it does not know and ignores
 * stray low bits, which would let a changed document decode unchanged.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { rejection } from '../rejection.ts';

const STANDARD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_SAFE = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}(?:==)?|[A-Za-z0-9_-]{3}=?)?$/;

/** Options of {@link decodeBase64}. */
export interface Base64Options {
  /** Also accept the URL-safe alphabet, padded or not (DSSE allows either). Default false. */
  urlSafe?: boolean;
  /** Largest decoded size accepted; TOO_LARGE above it (checked before decoding). */
  maxBytes?: number;
}

/**
 * Decodes `text` (a field named `what`) as canonical base64. A non-string or non-canonical value
 * is a `malformed` rejection (SIGNATURE_INVALID); a value longer than `maxBytes` is TOO_LARGE.
 */
export function decodeBase64(text: unknown, what: string, options: Base64Options = {}): Buffer {
  if (typeof text !== 'string') {
    throw rejection(
      'malformed',
      `${what} must be a base64 string, not ${text === null ? 'null' : typeof text}`,
    );
  }
  if (options.maxBytes !== undefined && Math.floor((text.length * 3) / 4) > options.maxBytes + 2) {
    throw new OciError(ErrorCode.TOO_LARGE, `${what} is larger than the ${options.maxBytes}-byte limit`, {
      data: { reason: 'too-large', limit: options.maxBytes },
    });
  }
  const standard = STANDARD.test(text);
  if (!standard && !(options.urlSafe === true && URL_SAFE.test(text))) {
    throw rejection('malformed', `${what} is not valid base64`);
  }
  const bytes = Buffer.from(text, standard ? 'base64' : 'base64url');
  const again = standard ? bytes.toString('base64') : reencodeUrlSafe(bytes, text.endsWith('='));
  if (again !== text) throw rejection('malformed', `${what} is not canonical base64 (stray bits or padding)`);
  return bytes;
}

function reencodeUrlSafe(bytes: Buffer, padded: boolean): string {
  const text = bytes.toString('base64url');
  return padded ? text.padEnd(Math.ceil(text.length / 4) * 4, '=') : text;
}
