/**
 * The image-spec documents: types, media types, parsers and serialisers.
 * CONTRACT (stubs below are being implemented in parse modules; signatures are fixed).
 */
import type {
  Descriptor,
  ImageConfig,
  IndexDocument,
  ManifestDocument,
  OciLayoutHeader,
  Parsed,
  Platform,
  TopDocument,
} from './types.ts';

export * from './media-types.ts';
export * from './types.ts';

/** Options for parsing a top-level document. */
export interface ParseOptions {
  /** The HTTP Content-Type or descriptor mediaType the document arrived with (checked first). */
  contentType?: string;
  /** Largest accepted document in bytes (default 4 MiB for manifests and indexes, 8 MiB for configs). */
  maxBytes?: number;
}

const todo = (): never => {
  throw new Error('not implemented yet');
};

/** Parses an image manifest (OCI or Docker v2.2); throws INVALID_DOCUMENT naming the JSON path and rule. */
export function parseManifest(_bytes: Uint8Array, _options?: ParseOptions): ManifestDocument {
  return todo();
}
/** Parses an image index (OCI or Docker manifest list). */
export function parseIndex(_bytes: Uint8Array, _options?: ParseOptions): IndexDocument {
  return todo();
}
/** Parses a manifest or index, detected by Content-Type, then `mediaType`, then shape. */
export function parseTopDocument(_bytes: Uint8Array, _options?: ParseOptions): TopDocument {
  return todo();
}
/** Parses an image config (OCI or Docker). */
export function parseConfig(_bytes: Uint8Array, _options?: ParseOptions): Parsed<ImageConfig> {
  return todo();
}
/** Parses an `oci-layout` file. */
export function parseOciLayout(_bytes: Uint8Array): OciLayoutHeader {
  return todo();
}
/** Validates a descriptor value found at JSON path `path`. */
export function parseDescriptor(_value: unknown, _path?: string): Descriptor {
  return todo();
}
/** Validates a platform object. */
export function parsePlatformObject(_value: unknown, _path?: string): Platform {
  return todo();
}
/** Serialises a document to compact JSON bytes (field order as given). */
export function serializeJson(_value: unknown): Uint8Array {
  return todo();
}
