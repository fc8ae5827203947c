/**
 * `--platform` on a single-platform image: the image must be for that platform, as every other
 * reader checks it (openImage). Its config is what declares the platform (config.md `os`,
 * `architecture`, `variant`); an artifact, whose config is no image config, has none to check.
 */
import { ErrorCode, OciError } from '../errors/index.ts';
import { openDocument } from '../image/image.ts';
import type { ImageSource, OperationOptions } from '../image/types.ts';
import { formatPlatform, parsePlatform, platformMatches } from '../platform/index.ts';
import { type Descriptor, isConfigMediaType, type Platform, type TopDocument } from '../spec/index.ts';

/** Throws NO_MATCHING_PLATFORM unless the image manifest `document` is for `platform`. */
export async function checkImagePlatform(
  source: ImageSource,
  descriptor: Descriptor,
  document: TopDocument & { kind: 'manifest' },
  platform: Platform | string,
  options: OperationOptions = {},
): Promise<void> {
  const want = typeof platform === 'string' ? parsePlatform(platform) : platform;
  if (!isConfigMediaType(document.value.config.mediaType)) return;
  const image = openDocument(source, descriptor, document);
  if (image.kind !== 'image') return;
  const have = (await image.config(options)).value;
  if (!platformMatches(want, have)) {
    throw new OciError(
      ErrorCode.NO_MATCHING_PLATFORM,
      `${source.name} is an image for ${formatPlatform(have)}, not ${formatPlatform(want)}`,
      { data: { platform: formatPlatform(want), available: [formatPlatform(have)] } },
    );
  }
}
