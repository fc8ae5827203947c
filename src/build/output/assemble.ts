/**
 * The image a build produces, as BuildKit writes it: an OCI manifest over the stage's layers (a
 * base's Docker layer media types mapped to their OCI equivalents, same bytes), a config with the
 * fields of Docker's image spec in their usual order (empty ones left out, as Go's omitempty
 * does), `created` at the build time, `--label`s applied last, and the base image named in the
 * manifest's `org.opencontainers.image.base.name`/`.digest` annotations (annotations.md). Several
 * platforms make an OCI index.
 */

import { digestBytes } from '../../digest/index.ts';
import { formatPlatform } from '../../platform/index.ts';
import {
  type ContainerConfig,
  type Descriptor,
  DOCKER,
  type ImageConfig,
  type IndexDocument,
  type ManifestDocument,
  OCI,
  type Platform,
  parseIndex,
  parseManifest,
  serializeJson,
} from '../../spec/index.ts';
import type { LayerRef } from '../layers.ts';
import type { StageState } from '../stage/state.ts';

/** One built image: its manifest, config bytes and layers. */
export interface BuiltImage {
  readonly manifest: ManifestDocument;
  readonly config: Uint8Array;
  readonly configValue: ImageConfig;
  readonly layers: readonly LayerRef[];
  readonly platform: Platform;
}

const OCI_LAYER_TYPES: Record<string, string> = {
  [DOCKER.layerGzip]: OCI.layerGzip,
  [DOCKER.layer]: OCI.layer,
  [DOCKER.layerZstd]: OCI.layerZstd,
  [DOCKER.foreignLayerGzip]: OCI.layerNondistributableGzip,
  [DOCKER.foreignLayer]: OCI.layerNondistributable,
};

const CONTAINER_KEYS = [
  'User',
  'ExposedPorts',
  'Env',
  'Entrypoint',
  'Cmd',
  'Volumes',
  'WorkingDir',
  'Labels',
  'StopSignal',
  'ArgsEscaped',
  'Healthcheck',
  'OnBuild',
  'Shell',
] as const;

/** Go's omitempty: nothing, empty strings, false, empty arrays and empty objects are left out. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value as object).length === 0;
  return false;
}

/** The execution defaults in Docker's field order, empty fields left out. */
function containerConfig(config: ContainerConfig | null | undefined): ContainerConfig {
  const out: ContainerConfig = {};
  for (const key of CONTAINER_KEYS) {
    const value = config?.[key];
    if (!isEmpty(value)) (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** The final config of a stage: fields in order, `created` and the platform set, labels applied. */
export function finalConfig(
  state: StageState,
  created: string,
  labels: Readonly<Record<string, string>>,
  platform: Platform | undefined,
): ImageConfig {
  const c = state.config;
  const container = containerConfig(c.config);
  if (Object.keys(labels).length > 0) container.Labels = { ...(container.Labels ?? {}), ...labels };
  const p = platform ?? {
    architecture: c.architecture,
    os: c.os,
    ...(c.variant ? { variant: c.variant } : {}),
  };
  const ordered = { created } as ImageConfig;
  if (c.author) ordered.author = c.author;
  ordered.architecture = p.architecture;
  ordered.os = p.os;
  const osVersion = p['os.version'] ?? (platform === undefined ? c['os.version'] : undefined);
  if (osVersion) ordered['os.version'] = osVersion;
  const variant = platform === undefined ? c.variant : p.variant;
  if (variant) ordered.variant = variant;
  ordered.config = container;
  ordered.rootfs = c.rootfs;
  ordered.history = c.history ?? [];
  return ordered;
}

/** The manifest and config of a built stage. */
export function assembleImage(
  state: StageState,
  layers: readonly LayerRef[],
  created: string,
  labels: Readonly<Record<string, string>>,
  platform: Platform | undefined,
): BuiltImage {
  const configValue = finalConfig(state, created, labels, platform);
  const config = serializeJson(configValue);
  const annotations: Record<string, string> = {};
  if (state.base !== undefined) {
    annotations['org.opencontainers.image.base.name'] = state.base.name;
    annotations['org.opencontainers.image.base.digest'] = state.base.digest;
  }
  const manifestValue = {
    schemaVersion: 2,
    mediaType: OCI.manifest,
    config: { mediaType: OCI.config, digest: digestBytes(config), size: config.byteLength },
    layers: layers.map((l): Descriptor => {
      const { descriptor } = l;
      const d: Descriptor = {
        mediaType: OCI_LAYER_TYPES[descriptor.mediaType] ?? descriptor.mediaType,
        digest: descriptor.digest,
        size: descriptor.size,
      };
      if (descriptor.urls !== undefined) d.urls = descriptor.urls;
      if (descriptor.annotations !== undefined) d.annotations = descriptor.annotations;
      return d;
    }),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const manifest = parseManifest(serializeJson(manifestValue));
  return {
    manifest,
    config,
    configValue,
    layers,
    platform: {
      architecture: configValue.architecture,
      os: configValue.os,
      ...(configValue.variant ? { variant: configValue.variant } : {}),
      ...(configValue['os.version'] ? { 'os.version': configValue['os.version'] } : {}),
    },
  };
}

/** An OCI index of several built images, each entry with its platform. */
export function assembleIndex(images: readonly BuiltImage[]): IndexDocument {
  const value = {
    schemaVersion: 2,
    mediaType: OCI.index,
    manifests: images.map((image) => ({
      mediaType: OCI.manifest,
      digest: image.manifest.digest,
      size: image.manifest.bytes.byteLength,
      platform: image.platform,
    })),
  };
  return parseIndex(serializeJson(value));
}

/** `os/arch[/variant]` of a built image. */
export function platformOf(image: BuiltImage): string {
  return formatPlatform(image.platform);
}
