/**
 * ocikit's public API: the most used entry points of every module. Each module is also its own
 * subpath export (`ocikit/spec`, `ocikit/store`, `ocikit/copy`, ...) with everything it offers.
 * On a Node.js older than 22.15, importing any of them throws `ocikit: needs Node >= 22.15 (this is
 * vX.Y.Z)` with code `UNSUPPORTED_NODE` (src/errors/node-version.ts).
 */
export { type UnpackOptions, unpackBundle } from './bundle/index.ts';
export { type CopyOptions, type CopyResult, copyImage } from './copy/index.ts';
export { type Digest, digestBytes, digestFile, parseDigest, verifyingStream } from './digest/index.ts';
export { ErrorCode, isOciError, OciError } from './errors/index.ts';
export {
  emptyImage,
  type Image,
  type ImageSink,
  type ImageSource,
  type Index,
  type Layer,
  openImage,
  openTop,
} from './image/index.ts';
export {
  appendLayers,
  diffImages,
  exportFilesystem,
  layerFromDirectory,
  mutateAnnotations,
  mutateConfig,
  mutatePlatform,
} from './mutate/index.ts';
export { formatPlatform, hostPlatform, parsePlatform, selectManifest } from './platform/index.ts';
export { formatReference, parseReference, type Reference } from './reference/index.ts';
export {
  type Descriptor,
  DOCKER,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  OCI,
  type Platform,
  parseConfig,
  parseIndex,
  parseManifest,
  parseTopDocument,
} from './spec/index.ts';
export { initLayout, OciLayout, openLayout } from './store/index.ts';
export { openSink, openSource, type TransportOptions } from './transports/index.ts';
