/**
 * A plain-code check that a descriptor is well formed, for the long arrays of a document (an
 * index of thousands of tags, a manifest of a hundred layers): running the zod descriptor schema
 * over each entry costs ten times the JSON.parse of the whole document. It only ever answers
 * "certainly valid"; anything it is unsure of (embedded `data`, `urls`, odd shapes) reads as
 * false, and the caller then runs the full schema, which names the path and the rule broken.
 */
import { digestProblem } from '../digest/index.ts';
import { mediaTypeProblem, sizeProblem } from './rules.ts';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

function isOptionalMediaType(value: unknown): boolean {
  return value === undefined || (typeof value === 'string' && mediaTypeProblem(value) === undefined);
}

/** image-index.md "platform": architecture and os strings; the optional fields of their types. */
function isWellFormedPlatform(value: unknown): boolean {
  return (
    isPlainObject(value) &&
    typeof value.architecture === 'string' &&
    typeof value.os === 'string' &&
    isOptionalString(value['os.version']) &&
    (value['os.features'] === undefined || isStringArray(value['os.features'])) &&
    isOptionalString(value.variant) &&
    (value.features === undefined || isStringArray(value.features))
  );
}

/** annotations.md: an object of string values. */
function isAnnotations(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

/**
 * True only when `value` certainly conforms to `descriptorSchema` (descriptor.md: mediaType,
 * digest, size; annotations, artifactType and platform of their types). False means "unsure":
 * check it with the schema. Descriptors carrying `data` or `urls` always read as unsure.
 */
export function isWellFormedDescriptor(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const { mediaType, digest, size } = value;
  return (
    typeof mediaType === 'string' &&
    mediaTypeProblem(mediaType) === undefined &&
    typeof digest === 'string' &&
    digestProblem(digest) === undefined &&
    typeof size === 'number' &&
    sizeProblem(size) === undefined &&
    value.urls === undefined &&
    value.data === undefined &&
    (value.annotations === undefined || isAnnotations(value.annotations)) &&
    isOptionalMediaType(value.artifactType) &&
    (value.platform === undefined || isWellFormedPlatform(value.platform))
  );
}

/** True when `value` is an array whose every entry {@link isWellFormedDescriptor}. */
export function areWellFormedDescriptors(value: unknown): boolean {
  return Array.isArray(value) && value.every(isWellFormedDescriptor);
}
