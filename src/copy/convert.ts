/**
 * Media type conversion between OCI and Docker v2.2 (image-spec media-types.md "Compatibility
 * Matrix"). Only descriptors and the manifest envelope change: config bytes stay identical.
 */
import { ErrorCode, OciError } from '../errors/index.ts';
import { type Descriptor, DOCKER, type ImageManifest, layerCompression, OCI } from '../spec/index.ts';

/** The image formats a copy can convert to. */
export type ImageFormat = 'oci' | 'docker';

/** Layer compressions a copy can produce. */
export type Compression = 'gzip' | 'zstd' | 'none';

/** The layer media type for a format and compression, keeping non-distributable layers so. */
export function layerMediaType(
  format: ImageFormat,
  compression: Compression,
  nondistributable = false,
): string {
  if (format === 'oci') {
    if (nondistributable) {
      return {
        gzip: OCI.layerNondistributableGzip,
        zstd: OCI.layerNondistributableZstd,
        none: OCI.layerNondistributable,
      }[compression];
    }
    return { gzip: OCI.layerGzip, zstd: OCI.layerZstd, none: OCI.layer }[compression];
  }
  if (nondistributable) {
    if (compression === 'zstd') {
      throw new OciError(ErrorCode.UNSUPPORTED, 'Docker v2.2 has no media type for zstd foreign layers');
    }
    return compression === 'gzip' ? DOCKER.foreignLayerGzip : DOCKER.foreignLayer;
  }
  return { gzip: DOCKER.layerGzip, zstd: DOCKER.layerZstd, none: DOCKER.layer }[compression];
}

/** The format a manifest is in, from its media type (a missing mediaType means OCI). */
export function formatOf(manifest: ImageManifest): ImageFormat {
  return manifest.mediaType === DOCKER.manifest ? 'docker' : 'oci';
}

/** The compression a layer descriptor declares, or undefined for types we do not convert. */
export function declaredCompression(descriptor: Descriptor): Compression | undefined {
  const kind = layerCompression(descriptor.mediaType);
  return kind === 'unknown' ? undefined : kind;
}

/**
 * Rewrites a manifest into `format` with the given layer descriptors. Converting to Docker drops
 * what Docker v2.2 cannot express (annotations, subject, artifactType) and refuses artifacts.
 */
export function convertManifest(
  manifest: ImageManifest,
  format: ImageFormat,
  layers: Descriptor[],
): ImageManifest {
  const configType = format === 'oci' ? OCI.config : DOCKER.config;
  const isImageConfig =
    manifest.config.mediaType === OCI.config || manifest.config.mediaType === DOCKER.config;
  if (!isImageConfig) {
    if (format === 'docker') {
      throw new OciError(
        ErrorCode.UNSUPPORTED,
        `cannot convert an artifact (config ${manifest.config.mediaType}) to the Docker v2.2 format`,
      );
    }
    return { ...manifest, layers };
  }
  // Key order as each format's writers emit it, so converted bytes (and digests) match skopeo's:
  // OCI descriptors list `digest` before `size`, Docker v2.2 descriptors `size` before `digest`.
  const config: Descriptor =
    format === 'docker'
      ? { mediaType: configType, size: manifest.config.size, digest: manifest.config.digest }
      : { mediaType: configType, digest: manifest.config.digest, size: manifest.config.size };
  if (format === 'docker') {
    return { schemaVersion: 2, mediaType: DOCKER.manifest, config, layers: layers.map(stripOciOnly) };
  }
  const out: ImageManifest = { schemaVersion: 2, mediaType: OCI.manifest, config, layers };
  if (manifest.artifactType !== undefined) out.artifactType = manifest.artifactType;
  if (manifest.subject !== undefined) out.subject = manifest.subject;
  if (manifest.annotations !== undefined) out.annotations = manifest.annotations;
  return out;
}

function stripOciOnly(layer: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: layer.mediaType, size: layer.size, digest: layer.digest };
  if (layer.urls !== undefined) out.urls = layer.urls;
  return out;
}
