/**
 * The field rules shared by every document, as zod (mini) schemas whose messages state the rule
 * broken (descriptor.md, annotations.md, media-types.md, spec-checklist §8 schema facts).
 */
import * as z from 'zod/mini';
import { digestProblem } from '../digest/index.ts';
import { preview } from './errors.ts';
import { isRawJson } from './json.ts';

// RFC 6838 §4.2 restricted names, as the image-spec schema writes them (defs-descriptor.json).
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

/** The reason a media type string breaks RFC 6838 §4.2, or undefined when it is valid. */
export function mediaTypeProblem(value: string): string | undefined {
  return MEDIA_TYPE.test(value)
    ? undefined
    : 'must be a media type "type/subtype" per RFC 6838 §4.2 (each part 1-127 characters, no parameters)';
}

/** A string that must be a media type (descriptor.md mediaType, artifactType). */
export const mediaTypeSchema = z.string().check(
  z.superRefine((value, ctx) => {
    const problem = mediaTypeProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/** A string that must follow the digest grammar (descriptor.md "Digests"). */
export const digestSchema = z.string().check(
  z.superRefine((value, ctx) => {
    const problem = digestProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/**
 * The reason a `size` value is invalid, or undefined: descriptor.md says int64 and (main) never
 * negative; ocikit further refuses what a JS number cannot hold exactly (above 2^53-1).
 */
export function sizeProblem(value: unknown): string | undefined {
  if (value === undefined) return 'is required';
  if (isRawJson(value)) {
    const digits = value.rawJSON.length > 40 ? `${value.rawJSON.slice(0, 40)}…` : value.rawJSON;
    return value.rawJSON.startsWith('-')
      ? 'must not be negative'
      : `${digits} exceeds 2^53-1 (${Number.MAX_SAFE_INTEGER}), the largest size ocikit handles exactly`;
  }
  if (typeof value !== 'number') return `must be an integer, not ${jsonTypeOf(value)}`;
  if (!Number.isInteger(value)) return 'must be an integer';
  if (value < 0) return 'must not be negative';
  if (!Number.isSafeInteger(value)) {
    return `exceeds 2^53-1 (${Number.MAX_SAFE_INTEGER}), the largest size ocikit handles exactly`;
  }
  return undefined;
}

/** A byte count (descriptor.md size). */
export const sizeSchema = z.pipe(
  z.unknown(),
  z.transform((value, ctx) => {
    const problem = sizeProblem(value);
    if (problem === undefined) return value as number;
    ctx.issues.push({ code: 'custom', message: problem, input: value });
    return z.NEVER;
  }),
);

// RFC 3986 §4.3 absolute-URI: scheme ":" then only characters URIs may hold, with valid escapes.
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;

/** A string that must be an absolute URI (descriptor.md urls: RFC 3986). */
export const uriSchema = z.string().check(
  z.superRefine((value, ctx) => {
    if (!ABSOLUTE_URI.test(value))
      ctx.addIssue({ code: 'custom', message: 'must be an absolute URI (RFC 3986)' });
  }),
);

// RFC 4648 §4: the standard alphabet, padded to a multiple of 4.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A string that must be padded standard base64 (descriptor.md data). */
export const base64Schema = z.string().check(
  z.superRefine((value, ctx) => {
    if (!BASE64.test(value))
      ctx.addIssue({ code: 'custom', message: 'must be padded standard base64 (RFC 4648 §4)' });
  }),
);

/** annotations.md: a map of string keys to string values. */
export const annotationsSchema = z.record(z.string(), z.string());

/** schemaVersion of manifests and indexes: exactly the integer 2. */
export const schemaVersionSchema = z.unknown().check(
  z.superRefine((value, ctx) => {
    if (value !== 2) {
      ctx.addIssue({
        code: 'custom',
        message: value === undefined ? 'is required' : `must be 2, not ${preview(value)}`,
      });
    }
  }),
);

/** The JSON type name of a value, for messages. */
export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isRawJson(value)) return 'a number';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
