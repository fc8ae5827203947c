/**
 * The archive transports (DESIGN.md §1.5): `oci-archive:FILE[:REF]`, a tar of an OCI image
 * layout, and `docker-archive:FILE[:NAME:TAG]`, the `docker save` format.
 */

export { dockerArchiveSink } from './docker-archive-sink.ts';
export { dockerArchiveSource, IMAGE_NAME_ANNOTATION } from './docker-archive-source.ts';
export { archiveNames } from './names.ts';
export { type ArchiveSinkOptions, ociArchiveSink } from './oci-archive-sink.ts';
export { ociArchiveSource, REF_NAME_ANNOTATION } from './oci-archive-source.ts';
export {
  type ArchiveReference,
  type ArchiveTransport,
  type DockerArchiveReference,
  type DockerTaggedName,
  formatArchiveReference,
  type OciArchiveReference,
  parseArchiveReference,
  parseDockerTaggedName,
} from './reference.ts';
