/**
 * Descriptor graph of a layout: which media types are documents we parse, and which descriptors
 * a parsed document points to, with a readable path (`manifests[0] → layers[2]`).
 */
import {
  type Descriptor,
  isConfigMediaType,
  isIndexMediaType,
  isManifestMediaType,
  parseConfig,
  parseIndex,
  parseManifest,
  type TopDocument,
} from '../spec/index.ts';

/** Largest manifest, index or config the store reads into memory. */
export const MAX_DOCUMENT_BYTES = 8 * 1024 * 1024;

/** A descriptor a document points to, and where. */
export interface ChildDescriptor {
  descriptor: Descriptor;
  /** JSON path inside the parent, e.g. `layers[2]`. */
  field: string;
}

/** How a blob of this media type is read: as a manifest, an index, a config, or left opaque. */
export function documentKind(mediaType: string): 'manifest' | 'index' | 'config' | 'opaque' {
  if (isManifestMediaType(mediaType)) return 'manifest';
  if (isIndexMediaType(mediaType)) return 'index';
  if (isConfigMediaType(mediaType)) return 'config';
  return 'opaque';
}

/** Parses a manifest or index blob as the descriptor's media type says it is. */
export function parseTop(bytes: Uint8Array, mediaType: string): TopDocument {
  return isIndexMediaType(mediaType)
    ? parseIndex(bytes, { contentType: mediaType, maxBytes: MAX_DOCUMENT_BYTES })
    : parseManifest(bytes, { contentType: mediaType, maxBytes: MAX_DOCUMENT_BYTES });
}

/** Validates a config blob. */
export function checkConfig(bytes: Uint8Array, mediaType: string): void {
  parseConfig(bytes, { contentType: mediaType, maxBytes: MAX_DOCUMENT_BYTES });
}

/** The descriptors a manifest (config, layers, subject) or index (manifests, subject) points to. */
export function childrenOf(document: TopDocument): ChildDescriptor[] {
  const out: ChildDescriptor[] = [];
  if (document.kind === 'manifest') {
    out.push({ descriptor: document.value.config, field: 'config' });
    document.value.layers.forEach((descriptor, i) => {
      out.push({ descriptor, field: `layers[${i}]` });
    });
  } else {
    document.value.manifests.forEach((descriptor, i) => {
      out.push({ descriptor, field: `manifests[${i}]` });
    });
  }
  if (document.value.subject !== undefined)
    out.push({ descriptor: document.value.subject, field: 'subject' });
  return out;
}
