/** The manifest a mutation writes in place of an image's, with the descriptor that names it. */
import type { Image } from '../image/types.ts';
import {
  type Descriptor,
  type ImageManifest,
  type ManifestDocument,
  parseManifest,
  serializeJson,
} from '../spec/index.ts';

/**
 * Serializes `manifest` (the image's, changed) and returns its parsed document and a descriptor
 * that keeps the image's descriptor fields (platform, annotations) with the new media type,
 * digest and size; embedded `data` is dropped, since it would describe the old bytes.
 */
export function replacementManifest(
  image: Image,
  manifest: ImageManifest,
): { document: ManifestDocument; descriptor: Descriptor } {
  const document = parseManifest(serializeJson(manifest));
  const descriptor: Descriptor = {
    ...image.descriptor,
    mediaType: document.mediaType,
    digest: document.digest,
    size: document.bytes.byteLength,
  };
  delete descriptor.data;
  return { document, descriptor };
}
