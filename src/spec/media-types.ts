/** Media types of the OCI image-spec (media-types.md) and Docker's image formats (manifest-v2-2.md). */

/** OCI media types (image-spec media-types.md). */
export const OCI = {
  descriptor: 'application/vnd.oci.descriptor.v1+json',
  layoutHeader: 'application/vnd.oci.layout.header.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  layerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  layerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  layerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  empty: 'application/vnd.oci.empty.v1+json',
} as const;

/** Docker image format media types (manifest-v2-2.md). */
export const DOCKER = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  manifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar',
  layerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  layerZstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
  foreignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar',
  foreignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  schema1: 'application/vnd.docker.distribution.manifest.v1+json',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** The empty descriptor's blob `{}` (manifest.md "Guidance for an Empty Descriptor"). */
export const EMPTY_JSON_DIGEST = 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a';

/** True for an OCI image index or a Docker manifest list. */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType === OCI.index || mediaType === DOCKER.manifestList;
}

/** True for an OCI image manifest or a Docker v2.2 manifest. */
export function isManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType === OCI.manifest || mediaType === DOCKER.manifest;
}

/** True for an OCI or Docker image config. */
export function isConfigMediaType(mediaType: string | undefined): boolean {
  return mediaType === OCI.config || mediaType === DOCKER.config;
}

/** True for Docker's schema 1 manifests, which ocikit refuses. */
export function isSchema1MediaType(mediaType: string | undefined): boolean {
  return mediaType === DOCKER.schema1 || mediaType === DOCKER.schema1Signed;
}

/** True for a layer media type, OCI or Docker (containerd `IsLayerType`). */
export function isLayerMediaType(mediaType: string): boolean {
  if (mediaType.startsWith('application/vnd.oci.image.layer.')) return true;
  const base = mediaType.split('+')[0] ?? mediaType;
  return base.startsWith('application/vnd.docker.image.rootfs.');
}

/** True for a non-distributable (foreign) layer media type. */
export function isNondistributable(mediaType: string): boolean {
  return (
    mediaType.startsWith('application/vnd.oci.image.layer.nondistributable.') ||
    mediaType.startsWith('application/vnd.docker.image.rootfs.foreign.')
  );
}

/** The compression a layer media type declares (media types can lie: sniff the bytes too). */
export function layerCompression(mediaType: string): 'gzip' | 'zstd' | 'none' | 'unknown' {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip')) return 'gzip';
  if (mediaType.endsWith('+zstd') || mediaType.endsWith('.tar.zstd')) return 'zstd';
  if (mediaType.endsWith('.tar')) return 'none';
  return 'unknown';
}

/** Every manifest or index media type a client accepts from a registry (spec-checklist §4.11). */
export const MANIFEST_ACCEPT = [OCI.index, OCI.manifest, DOCKER.manifestList, DOCKER.manifest] as const;
