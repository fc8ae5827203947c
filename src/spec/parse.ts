/**
 * The document parsers: exact bytes in, `{ kind, bytes, digest, mediaType, value }` out, or one
 * typed OciError. The bytes are never re-serialised (considerations.md: digests depend on them);
 * `Parsed.bytes` is the caller's own array, not a copy, so it must not be changed afterwards.
 * `value` is the JSON.parse result itself (every field and key order kept; integers beyond
 * 2^53-1 in unknown fields kept exact as JSON.rawJSON values), validated by the zod schemas.
 */
import * as z from 'zod/mini';
import { digestBytes } from '../digest/index.ts';
import { ErrorCode, OciError } from '../errors/index.ts';
import { configSchema, normaliseConfig } from './config.ts';
import { areWellFormedDescriptors } from './descriptor-fast.ts';
import { baseMediaType, detectTopDocument, type TopKind } from './detect.ts';
import { invalidDocument, unsupportedMediaType } from './errors.ts';
import { indexSchema, indexShellSchema } from './image-index.ts';
import { decodeJson, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES } from './json.ts';
import { manifestSchema, manifestShellSchema } from './manifest.ts';
import { DOCKER, isIndexMediaType, isManifestMediaType, isSchema1MediaType, OCI } from './media-types.ts';
import { jsonTypeOf } from './rules.ts';
import type {
  ImageConfig,
  ImageIndex,
  ImageManifest,
  IndexDocument,
  ManifestDocument,
  OciLayoutHeader,
  Parsed,
  TopDocument,
} from './types.ts';
import { validate } from './validate.ts';

/** Options for parsing a top-level document. */
export interface ParseOptions {
  /** The HTTP Content-Type or descriptor mediaType the document arrived with (checked first). */
  contentType?: string;
  /** Largest accepted document in bytes (default 4 MiB for manifests and indexes, 8 MiB for configs). */
  maxBytes?: number;
}

function decodeObject(bytes: Uint8Array, maxBytes: number, what: string): Record<string, unknown> {
  const value = decodeJson(bytes, maxBytes, what);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidDocument('', `must be a JSON object, not ${jsonTypeOf(value)}`);
  }
  return value as Record<string, unknown>;
}

function parseTop(bytes: Uint8Array, options: ParseOptions, expected?: TopKind): TopDocument {
  const doc = decodeObject(
    bytes,
    options.maxBytes ?? MAX_MANIFEST_BYTES,
    expected === 'index' ? 'index' : 'manifest',
  );
  const detected = detectTopDocument(doc, options.contentType, expected);
  const digest = digestBytes(bytes);
  if (detected.kind === 'manifest') {
    const value = validate<ImageManifest>(
      areWellFormedDescriptors(doc.layers) ? manifestShellSchema : manifestSchema,
      doc,
    );
    return { kind: 'manifest', bytes, digest, mediaType: detected.mediaType, value };
  }
  // The long arrays are checked in plain code first; the schemas run per entry only when unsure.
  const value = validate<ImageIndex>(
    areWellFormedDescriptors(doc.manifests) ? indexShellSchema : indexSchema,
    doc,
  );
  if (detected.mediaType === DOCKER.manifestList) {
    value.manifests.forEach((entry, i) => {
      if (entry.platform === undefined) {
        throw invalidDocument(
          `manifests[${i}].platform`,
          'is required in a Docker manifest list (manifest-v2-2.md)',
        );
      }
    });
  }
  return { kind: 'index', bytes, digest, mediaType: detected.mediaType, value };
}

/** Parses an image manifest (OCI or Docker v2.2); throws INVALID_DOCUMENT naming the JSON path and rule. */
export function parseManifest(bytes: Uint8Array, options: ParseOptions = {}): ManifestDocument {
  return parseTop(bytes, options, 'manifest') as ManifestDocument;
}

/** Parses an image index (OCI or Docker manifest list). */
export function parseIndex(bytes: Uint8Array, options: ParseOptions = {}): IndexDocument {
  return parseTop(bytes, options, 'index') as IndexDocument;
}

/** Parses a manifest or index, detected by Content-Type, then `mediaType`, then shape. */
export function parseTopDocument(bytes: Uint8Array, options: ParseOptions = {}): TopDocument {
  return parseTop(bytes, options);
}

/**
 * Parses an image config (OCI or Docker). The media type is the Content-Type given (a config may
 * arrive under any type, e.g. application/octet-stream), else the OCI config type. A manifest,
 * index or schema 1 type is refused with UNSUPPORTED_MEDIA_TYPE.
 */
export function parseConfig(bytes: Uint8Array, options: ParseOptions = {}): Parsed<ImageConfig> {
  const ct = baseMediaType(options.contentType);
  if (ct !== undefined && (isManifestMediaType(ct) || isIndexMediaType(ct) || isSchema1MediaType(ct))) {
    throw unsupportedMediaType(ct, 'is not an image config media type');
  }
  const doc = decodeObject(bytes, options.maxBytes ?? MAX_CONFIG_BYTES, 'image config');
  const value = validate<ImageConfig>(configSchema, doc);
  normaliseConfig(doc);
  return { bytes, digest: digestBytes(bytes), mediaType: ct ?? OCI.config, value };
}

const ociLayoutSchema = z.looseObject({ imageLayoutVersion: z.literal('1.0.0') });

/** Parses an `oci-layout` file (image-layout.md): a JSON object whose imageLayoutVersion is "1.0.0". */
export function parseOciLayout(bytes: Uint8Array): OciLayoutHeader {
  const doc = decodeObject(bytes, MAX_MANIFEST_BYTES, 'oci-layout file');
  return validate<OciLayoutHeader>(ociLayoutSchema, doc);
}

/** Serialises a document to compact JSON bytes (field order as given). */
export function serializeJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new OciError(ErrorCode.INVALID_ARGUMENT, `cannot serialise ${typeof value} as JSON`);
  }
  return new TextEncoder().encode(text);
}
