/**
 * Turns untrusted bytes into a JSON value under the I-JSON rules of considerations.md: size
 * limit first (before any work), strict UTF-8, valid JSON, no duplicate keys. Integers beyond
 * 2^53-1 are kept exactly as `JSON.rawJSON` values (never rounded to a nearby double), so a
 * validator can refuse them and a re-serialisation still writes the original digits.
 */
import { ErrorCode, OciError } from '../errors/index.ts';
import { findStructureIssue, MAX_JSON_DEPTH } from './duplicate-keys.ts';
import { formatPath, invalidDocument } from './errors.ts';

/** Largest manifest or index accepted by default (4 MiB, as distribution registries do). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Largest image config accepted by default (8 MiB). */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/** A JSON value that JSON.parse could not represent exactly, kept as its source text. */
export interface RawJson {
  readonly rawJSON: string;
}

interface JsonWithRaw {
  rawJSON(text: string): RawJson;
  isRawJSON(value: unknown): value is RawJson;
}
const RAW = JSON as unknown as JsonWithRaw;

/** True for a number that JSON.parse could not hold exactly (an integer beyond 2^53-1). */
export function isRawJson(value: unknown): value is RawJson {
  return RAW.isRawJSON(value);
}

const INTEGER_TEXT = /^-?(?:0|[1-9][0-9]*)$/;
// 2^53 has 16 digits: text with no value of 16+ digits holds no integer JSON.parse could round
// (false positives, such as a digest starting with 16 digits, only cost time).
const LONG_DIGIT_RUN = /[:,[]\s*-?[0-9]{16}/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes `bytes` as one JSON document. Throws TOO_LARGE above `maxBytes` (before reading
 * anything), and INVALID_DOCUMENT for invalid UTF-8, nesting deeper than MAX_JSON_DEPTH
 * (checked before JSON.parse), invalid JSON or a duplicated key.
 */
export function decodeJson(bytes: Uint8Array, maxBytes: number, what: string): unknown {
  if (bytes.byteLength > maxBytes) {
    throw new OciError(
      ErrorCode.TOO_LARGE,
      `${what} is ${bytes.byteLength} bytes, more than the ${maxBytes}-byte limit`,
      { data: { size: bytes.byteLength, limit: maxBytes } },
    );
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (err) {
    throw invalidDocument('', 'not valid UTF-8 (considerations.md: JSON must be UTF-8)', err);
  }
  // One scan finds both: too deep is refused before parsing, a duplicate only once the JSON is valid.
  const issue = findStructureIssue(text);
  if (issue?.kind === 'too-deep') {
    throw invalidDocument(
      formatPath(issue.path),
      `nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep (a limit against hostile input; OCI documents nest a few levels)`,
    );
  }
  let value: unknown;
  try {
    // The reviver costs several times the parse itself; only integers of 16+ digits can be unsafe.
    value = LONG_DIGIT_RUN.test(text) ? JSON.parse(text, keepLargeIntegers) : JSON.parse(text);
  } catch (err) {
    if (err instanceof RangeError) throw invalidDocument('', 'nests too deeply to be read', err);
    throw invalidDocument('', `not valid JSON: ${(err as Error).message}`, err);
  }
  if (issue !== undefined) {
    throw invalidDocument(formatPath(issue.path), 'duplicate object key (considerations.md: I-JSON)');
  }
  return value;
}

function keepLargeIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    const source = context?.source;
    if (source !== undefined && INTEGER_TEXT.test(source)) return RAW.rawJSON(source);
  }
  return value;
}
