/** Descriptors for documents ocikit parsed or produced. */
import type { Descriptor, Parsed } from './types.ts';

/**
 * The descriptor of a parsed document: its media type, the digest and size of its exact bytes
 * (in that key order), then the fields of `extra` (platform, annotations, artifactType...);
 * `extra` cannot override mediaType, digest or size.
 */
export function descriptorOf(doc: Parsed<unknown>, extra: Partial<Descriptor> = {}): Descriptor {
  const { mediaType: _m, digest: _d, size: _s, ...rest } = extra;
  return { mediaType: doc.mediaType, digest: doc.digest, size: doc.bytes.byteLength, ...rest };
}
