/**
 * The empty image (`scratch`): no layers, and a config declaring only a platform. It is the base
 * for images built from nothing, like Dockerfile's `FROM scratch`.
 */
import { digestBytes } from '../digest/index.ts';
import { hostPlatform } from '../platform/index.ts';
import {
  type Descriptor,
  type ImageConfig,
  OCI,
  type Platform,
  parseManifest,
  serializeJson,
} from '../spec/index.ts';
import { openDocument } from './image.ts';
import { MemorySource } from './memory-source.ts';
import type { Image } from './types.ts';

/** An empty OCI image for `platform` (default: the host's). */
export function emptyImage(platform: Platform = hostPlatform()): Image {
  const config: ImageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {},
    rootfs: { type: 'layers', diff_ids: [] },
  };
  const configBytes = serializeJson(config);
  const configDescriptor: Descriptor = {
    mediaType: OCI.config,
    digest: digestBytes(configBytes),
    size: configBytes.byteLength,
  };
  const manifest = parseManifest(
    serializeJson({ schemaVersion: 2, mediaType: OCI.manifest, config: configDescriptor, layers: [] }),
  );
  const descriptor: Descriptor = {
    mediaType: OCI.manifest,
    digest: manifest.digest,
    size: manifest.bytes.byteLength,
  };
  const blobs = new Map<string, Uint8Array>([[configDescriptor.digest, configBytes]]);
  const source = new MemorySource('scratch', descriptor, [manifest], blobs);
  return openDocument(source, descriptor, manifest) as Image;
}
