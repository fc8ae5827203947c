/**
 * JSON in and out of signature documents. In: untrusted bytes under the I-JSON rules of
 * considerations.md (size first, strict UTF-8, no duplicate keys: a payload with two
 * `docker-manifest-digest` keys must not mean one thing to us and another to a Go verifier), then
 * a shape check, with errors that name the document. Out: JSON as Go's encoding/json writes it,
 * so payloads ocikit signs are byte for byte what cosign writes for the same values.
 */
import type { core } from 'zod/mini';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { decodeJson } from '../../spec/json.ts';
import { validate } from '../../spec/validate.ts';
import { MAX_SIGNATURE_BYTES } from '../limits.ts';

/** `err` with `what` in front of its message, keeping its code and data (plus `reason`). */
function named(err: unknown, what: string): unknown {
  if (!(err instanceof OciError)) return err;
  const reason = err.code === ErrorCode.TOO_LARGE ? 'too-large' : 'malformed';
  return new OciError(err.code, `${what}: ${err.message}`, {
    data: { reason, ...err.data },
    cause: err,
  });
}

/**
 * Decodes `bytes` as one JSON document and checks it against `schema`; the error (INVALID_DOCUMENT
 * or TOO_LARGE, `data.reason` set) names `what` and the JSON path. Returns the decoded value
 * itself, typed as `T` (every field kept).
 */
export function readJson<T>(
  bytes: Uint8Array,
  schema: core.$ZodType,
  what: string,
  maxBytes = MAX_SIGNATURE_BYTES,
): T {
  try {
    return validate<T>(schema, decodeJson(bytes, maxBytes, what));
  } catch (err) {
    throw named(err, what);
  }
}

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * `value` serialised as Go's `json.Marshal` does: compact, object keys in the order given (pass
 * sorted keys where Go marshals a map), and `<`, `>`, `&`, U+2028, U+2029 escaped as `\u00XX`.
 */
export function goJson(value: unknown): Buffer {
  const text = JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] as string);
  return Buffer.from(text, 'utf8');
}

/** A copy of a string map with its keys sorted by their UTF-8 bytes, as Go writes a `map[string]…`. */
export function sortedMap<V>(map: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  const keys = Object.keys(map).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const key of keys) out[key] = map[key] as V;
  return out;
}
