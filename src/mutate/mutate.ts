/**
 * Pure mutations (DESIGN.md §1.2): each returns a new lazy {@link Image} over an
 * {@link OverlaySource}; the base image and its source are never changed. Configs are rewritten
 * from their parsed value, so unknown fields survive; the ImageID changes as config.md says.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../digest/index.ts';
import { digestBytes } from '../digest/index.ts';
import { openDocument } from '../image/image.ts';
import type { Image } from '../image/types.ts';
import {
  type ContainerConfig,
  type Descriptor,
  type History,
  type ImageConfig,
  type ImageManifest,
  type Platform,
  serializeJson,
} from '../spec/index.ts';
import { type OverlayBlob, OverlaySource } from './overlay-source.ts';
import { replacementManifest } from './replacement-manifest.ts';

/** A layer to append: its blob descriptor, DiffID, and a way to open its bytes. */
export interface AppendedLayer {
  descriptor: Descriptor;
  diffId: Digest;
  open: () => Readable;
  /** The history entry recorded for it (default: created now, created_by "ocikit append"). */
  history?: History;
}

/** Changes to the execution defaults of an image config (config.md "config"). */
export interface ConfigChanges {
  entrypoint?: string[] | null;
  cmd?: string[] | null;
  /** `KEY=VALUE` entries; a key already present is replaced in place, new keys are appended. */
  env?: string[];
  labels?: Record<string, string>;
  workdir?: string;
  user?: string;
  /** `port`, `port/tcp` or `port/udp`; a bare port means tcp (config.md ExposedPorts). */
  exposedPorts?: string[];
  volumes?: string[];
  stopSignal?: string;
  /** Keys whose `KEY=…` entries are removed from Env (before `env` is applied). */
  unsetEnv?: string[];
  /** Label keys removed (before `labels` are applied). */
  unsetLabels?: string[];
  /** Ports removed from ExposedPorts, written as for `exposedPorts` (before it is applied). */
  unsetExposedPorts?: string[];
  /** Paths removed from Volumes (before `volumes` are applied). */
  unsetVolumes?: string[];
}

/** Options shared by mutations that write history. */
export interface HistoryOptions {
  /** The time recorded in `created` fields (RFC 3339); default: SOURCE_DATE_EPOCH, else now. */
  created?: string;
}

/** The creation time to record: explicit, else SOURCE_DATE_EPOCH, else now (RFC 3339, UTC). */
export function creationTime(explicit?: string): string {
  if (explicit) return explicit;
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch && /^[0-9]+$/.test(epoch))
    return new Date(Number(epoch) * 1000).toISOString().replace('.000Z', 'Z');
  return new Date().toISOString();
}

async function rebuild(
  image: Image,
  config: ImageConfig | undefined,
  editManifest: (manifest: ImageManifest) => ImageManifest,
  extraBlobs: Map<Digest, OverlayBlob> = new Map(),
): Promise<Image> {
  const blobs = new Map(extraBlobs);
  let manifest = structuredClone(image.document.value);
  if (config !== undefined) {
    const bytes = serializeJson(config);
    const digest = digestBytes(bytes);
    blobs.set(digest, bytes);
    manifest = { ...manifest, config: { ...manifest.config, digest, size: bytes.byteLength } };
    delete manifest.config.data;
  }
  const { document, descriptor } = replacementManifest(image, editManifest(manifest));
  const source = new OverlaySource(image.source, document, descriptor, blobs);
  return openDocument(source, descriptor, document) as Image;
}

function normalisePort(port: string): string {
  return port.includes('/') ? port : `${port}/tcp`;
}

function mergeEnv(current: string[], changes: string[]): string[] {
  const out = [...current];
  for (const entry of changes) {
    const key = entry.split('=')[0];
    const at = out.findIndex((e) => e.split('=')[0] === key);
    if (at === -1) out.push(entry);
    else out[at] = entry;
  }
  return out;
}

/** Applies {@link ConfigChanges} to a container config, returning a new object. */
export function applyConfigChanges(original: ContainerConfig, changes: ConfigChanges): ContainerConfig {
  const current = unsetConfigKeys(original, changes);
  const next: ContainerConfig = { ...current };
  if (changes.entrypoint !== undefined) next.Entrypoint = changes.entrypoint;
  if (changes.cmd !== undefined) next.Cmd = changes.cmd;
  if (changes.env !== undefined) next.Env = mergeEnv(current.Env ?? [], changes.env);
  if (changes.labels !== undefined) next.Labels = { ...(current.Labels ?? {}), ...changes.labels };
  if (changes.workdir !== undefined) next.WorkingDir = changes.workdir;
  if (changes.user !== undefined) next.User = changes.user;
  if (changes.stopSignal !== undefined) next.StopSignal = changes.stopSignal;
  if (changes.exposedPorts !== undefined) {
    next.ExposedPorts = { ...(current.ExposedPorts ?? {}) };
    for (const port of changes.exposedPorts) next.ExposedPorts[normalisePort(port)] = {};
  }
  if (changes.volumes !== undefined) {
    next.Volumes = { ...(current.Volumes ?? {}) };
    for (const volume of changes.volumes) next.Volumes[volume] = {};
  }
  return next;
}

/**
 * `current` without the Env keys, labels, ports and volumes `changes` unsets; a field left empty
 * is removed altogether.
 */
function unsetConfigKeys(current: ContainerConfig, changes: ConfigChanges): ContainerConfig {
  const next: ContainerConfig = { ...current };
  const drop = <T>(field: 'Labels' | 'ExposedPorts' | 'Volumes', keys: string[] | undefined) => {
    const map = next[field] as Record<string, T> | undefined | null;
    if (keys === undefined || map === undefined || map === null) return;
    const kept = Object.fromEntries(Object.entries(map).filter(([k]) => !keys.includes(k)));
    if (Object.keys(kept).length === 0) delete next[field];
    else (next as Record<string, unknown>)[field] = kept;
  };
  if (changes.unsetEnv !== undefined && next.Env) {
    const env = next.Env.filter((e) => !changes.unsetEnv?.includes(e.split('=')[0] as string));
    if (env.length === 0) delete next.Env;
    else next.Env = env;
  }
  drop('Labels', changes.unsetLabels);
  drop('ExposedPorts', changes.unsetExposedPorts?.map(normalisePort));
  drop('Volumes', changes.unsetVolumes);
  return next;
}

/** A new image whose config has the given execution defaults changed. */
export async function mutateConfig(image: Image, changes: ConfigChanges): Promise<Image> {
  const config = structuredClone((await image.config()).value);
  config.config = applyConfigChanges(config.config ?? {}, changes);
  return rebuild(image, config, (m) => m);
}

/** A new image whose manifest annotations are merged with `annotations` (an empty value is kept). */
export function mutateAnnotations(image: Image, annotations: Record<string, string>): Promise<Image> {
  return rebuild(image, undefined, (m) => ({
    ...m,
    annotations: { ...(m.annotations ?? {}), ...annotations },
  }));
}

/** A new image whose config declares `platform` (os, architecture, variant, os.version, os.features). */
export async function mutatePlatform(image: Image, platform: Platform): Promise<Image> {
  const config = structuredClone((await image.config()).value);
  config.os = platform.os;
  config.architecture = platform.architecture;
  for (const key of ['variant', 'os.version', 'os.features'] as const) {
    if (platform[key] === undefined) delete config[key];
    else (config as Record<string, unknown>)[key] = platform[key];
  }
  return rebuild(image, config, (m) => m);
}

/**
 * A new image with `layers` on top, in order: the manifest lists their blobs, the config gains
 * their DiffIDs (rootfs.diff_ids) and one history entry each (config.md).
 */
export async function appendLayers(
  image: Image,
  layers: AppendedLayer[],
  options: HistoryOptions = {},
): Promise<Image> {
  const config = structuredClone((await image.config()).value);
  const created = creationTime(options.created);
  config.rootfs = { ...config.rootfs, diff_ids: [...config.rootfs.diff_ids, ...layers.map((l) => l.diffId)] };
  config.history = [
    ...(config.history ?? []),
    ...layers.map((l) => l.history ?? { created, created_by: 'ocikit append' }),
  ];
  config.created = created;
  const blobs = new Map<Digest, OverlayBlob>(layers.map((l) => [l.descriptor.digest, l.open]));
  return rebuild(
    image,
    config,
    (m) => ({ ...m, layers: [...m.layers, ...layers.map((l) => l.descriptor)] }),
    blobs,
  );
}
