/**
 * The INVALID_DOCUMENT error every parser throws: the message names the JSON path and the
 * rule broken (`layers[2].digest: sha256 digest must be 64 lowercase hex characters`).
 */
import { ErrorCode, OciError } from '../errors/index.ts';

/** One step of a JSON path: an object key or an array index. */
export type PathSegment = string | number;

const MAX_PATH = 300;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats a JSON path as `layers[2].digest` or `platform["os.version"]`; the root is ''. */
export function formatPath(segments: readonly PathSegment[], base = ''): string {
  let out = base;
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** INVALID_DOCUMENT at `path` (already formatted; '' for the whole document) breaking `rule`. */
export function invalidDocument(fullPath: string, rule: string, cause?: unknown): OciError {
  // A hostile document can nest deeply or use huge keys: keep the message small.
  const path = fullPath.length > MAX_PATH ? `${fullPath.slice(0, MAX_PATH)}…` : fullPath;
  return new OciError(ErrorCode.INVALID_DOCUMENT, path === '' ? rule : `${path}: ${rule}`, {
    data: { path, rule },
    cause,
  });
}

/** UNSUPPORTED_MEDIA_TYPE for a document type ocikit refuses (Docker schema 1, or not a manifest). */
export function unsupportedMediaType(mediaType: string, rule: string): OciError {
  return new OciError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, `${preview(mediaType)}: ${rule}`, {
    data: { mediaType: mediaType.slice(0, 300), rule },
  });
}

/** JSON text of an untrusted value for a message, cut to `max` characters so errors stay small. */
export function preview(value: unknown, max = 100): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
