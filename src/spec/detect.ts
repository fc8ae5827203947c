/**
 * Decides whether a document is a manifest or an index, and which media type it is, in the
 * order of spec-checklist §10.10: Content-Type first, then the document's `mediaType`, then its
 * shape (`manifests` → index, `config`/`layers` → manifest). A schemaVersion-2 document without
 * a `mediaType` is read as OCI.
 */
import { invalidDocument, preview, unsupportedMediaType } from './errors.ts';
import { DOCKER, isIndexMediaType, isManifestMediaType, isSchema1MediaType, OCI } from './media-types.ts';

/** The two kinds of top-level document. */
export type TopKind = 'manifest' | 'index';

/** What a document was detected as. */
export interface Detected {
  kind: TopKind;
  /** The document's own `mediaType` when it has one, else the type it was detected as. */
  mediaType: string;
  /** True for Docker v2.2 manifests and manifest lists, whose stricter rules then apply. */
  docker: boolean;
}

/** The media type of a Content-Type header, without parameters (`; charset=...`), lowercased. */
export function baseMediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const base = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return base === '' ? undefined : base;
}

function kindOf(mediaType: string | undefined): TopKind | undefined {
  if (isManifestMediaType(mediaType)) return 'manifest';
  if (isIndexMediaType(mediaType)) return 'index';
  return undefined;
}

// Content types that say nothing about the document (a registry or file store may send them).
const GENERIC = new Set([
  'application/json',
  'application/octet-stream',
  'text/plain',
  'binary/octet-stream',
]);

function describe(kind: TopKind): string {
  return kind === 'index' ? 'an index' : 'an image manifest';
}

function refuseSchema1(mediaType: string | undefined): void {
  if (mediaType !== undefined && isSchema1MediaType(mediaType)) {
    throw unsupportedMediaType(
      mediaType,
      'Docker schema 1 manifests are not supported (convert them to schema 2)',
    );
  }
}

/**
 * Detects the kind and media type of `doc`. With `expected`, a document of the other kind is
 * refused: UNSUPPORTED_MEDIA_TYPE when the Content-Type says so, INVALID_DOCUMENT otherwise.
 * A Content-Type that is neither a manifest/index type nor generic (application/json,
 * application/octet-stream, text/plain) is refused with UNSUPPORTED_MEDIA_TYPE.
 */
export function detectTopDocument(
  doc: Record<string, unknown>,
  contentType: string | undefined,
  expected?: TopKind,
): Detected {
  const hasManifests = Object.hasOwn(doc, 'manifests');
  const hasManifestFields = Object.hasOwn(doc, 'config') || Object.hasOwn(doc, 'layers');
  if (hasManifests && hasManifestFields) {
    throw invalidDocument(
      '',
      'has both "manifests" and "config"/"layers", so it is ambiguous (CVE-2021-41190)',
    );
  }
  const ct = baseMediaType(contentType);
  refuseSchema1(ct);
  const own = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  refuseSchema1(own);

  let kind: TopKind;
  let mediaType: string;
  const ctKind = kindOf(ct);
  if (ct !== undefined && ctKind !== undefined) {
    if (own !== undefined && own !== ct) {
      throw invalidDocument('mediaType', `is ${preview(own)} but the document arrived as ${ct}`);
    }
    if (expected !== undefined && ctKind !== expected) {
      throw unsupportedMediaType(ct, `is ${describe(ctKind)}, expected ${describe(expected)}`);
    }
    kind = ctKind;
    mediaType = ct;
  } else {
    if (ct !== undefined && !GENERIC.has(ct)) {
      throw unsupportedMediaType(ct, 'is not an image manifest or index media type');
    }
    const ownKind = kindOf(own);
    if (own !== undefined && ownKind === undefined) {
      throw invalidDocument(
        'mediaType',
        `must be an image manifest or index media type, not ${preview(own)}`,
      );
    }
    if (ownKind !== undefined) kind = ownKind;
    else if (hasManifests) kind = 'index';
    else if (hasManifestFields) kind = 'manifest';
    else if (expected !== undefined) kind = expected;
    else
      throw invalidDocument(
        '',
        'is neither an image manifest nor an index (no "manifests", "config" or "layers")',
      );
    if (expected !== undefined && kind !== expected) {
      throw own !== undefined
        ? invalidDocument(
            'mediaType',
            `is ${preview(own)}, ${describe(kind)} media type; expected ${describe(expected)}`,
          )
        : invalidDocument('', `is ${describe(kind)}, expected ${describe(expected)}`);
    }
    mediaType = own ?? (kind === 'index' ? OCI.index : OCI.manifest);
  }
  // distribution's fix for CVE-2021-41190: a manifest never has manifests, an index never config/layers.
  if (kind === 'manifest' && hasManifests) {
    throw invalidDocument('manifests', 'must not appear in an image manifest (CVE-2021-41190)');
  }
  if (kind === 'index' && hasManifestFields) {
    throw invalidDocument(
      Object.hasOwn(doc, 'config') ? 'config' : 'layers',
      'must not appear in an index (CVE-2021-41190)',
    );
  }
  const docker = mediaType === DOCKER.manifest || mediaType === DOCKER.manifestList;
  if (docker && !Object.hasOwn(doc, 'mediaType')) {
    throw invalidDocument(
      'mediaType',
      'is required in Docker v2.2 manifests and manifest lists (manifest-v2-2.md)',
    );
  }
  return { kind, mediaType, docker };
}
