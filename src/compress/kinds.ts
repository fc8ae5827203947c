/** The layer compressions ocikit reads and writes, and the layer media type of each. */
import { DOCKER, OCI } from '../spec/media-types.ts';

/** A layer compression (image-spec media-types.md: `+gzip`, `+zstd`, or a bare tar). */
export type Compression = 'gzip' | 'zstd' | 'none';

/** Another name for {@link Compression}. */
export type CompressionKind = Compression;

/** Every compression, in a stable order. */
export const COMPRESSIONS: readonly Compression[] = ['gzip', 'zstd', 'none'];

/** True when `value` names a compression ocikit supports. */
export function isCompression(value: string): value is Compression {
  return (COMPRESSIONS as readonly string[]).includes(value);
}

/**
 * The layer media type for a compression: OCI (media-types.md) by default, Docker v2.2
 * (manifest-v2-2.md) when `docker` is set.
 */
export function mediaTypeFor(kind: Compression, options: { docker?: boolean } = {}): string {
  if (options.docker === true) {
    return { gzip: DOCKER.layerGzip, zstd: DOCKER.layerZstd, none: DOCKER.layer }[kind];
  }
  return { gzip: OCI.layerGzip, zstd: OCI.layerZstd, none: OCI.layer }[kind];
}
