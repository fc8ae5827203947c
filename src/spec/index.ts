/**
 * The image-spec documents: types, media types, parsers and serialisers.
 * Every parser keeps the exact bytes, keeps unknown fields, and throws only OciError.
 */

export { configSchema, containerConfigSchema } from './config.ts';
export { descriptorSchema, parseDescriptor, parsePlatformObject, platformSchema } from './descriptor.ts';
export { descriptorOf } from './descriptor-of.ts';
export { baseMediaType, type Detected, detectTopDocument, type TopKind } from './detect.ts';
export { EMPTY_DESCRIPTOR, emptyJsonBytes } from './empty.ts';
export { formatPath, invalidDocument } from './errors.ts';
export { chainId, chainIds, imageId } from './identity.ts';
export { indexSchema } from './image-index.ts';
export { decodeJson, isRawJson, MAX_CONFIG_BYTES, MAX_MANIFEST_BYTES, type RawJson } from './json.ts';
export { manifestSchema } from './manifest.ts';
export * from './media-types.ts';
export {
  type ParseOptions,
  parseConfig,
  parseIndex,
  parseManifest,
  parseOciLayout,
  parseTopDocument,
  serializeJson,
} from './parse.ts';
export { mediaTypeProblem, sizeProblem } from './rules.ts';
export * from './types.ts';
export { firstProblem, type SchemaProblem } from './validate.ts';
