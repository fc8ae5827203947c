/**
 * Pure index edits (crane index): an index built from images, children appended, removed or
 * filtered by platform, and an index whose every image is replaced by a function of it (flatten
 * and rebase use this). Each returns a new lazy {@link Index} whose source serves the new
 * document and asks the images' own sources for the rest; nothing is written until it is copied.
 */
import { ErrorCode, OciError } from '../errors/index.ts';
import { openDocument } from '../image/image.ts';
import type { Image, ImageSource, Index, OperationOptions } from '../image/types.ts';
import { formatPlatform, parsePlatform, platformMatches } from '../platform/index.ts';
import {
  type Descriptor,
  DOCKER,
  descriptorOf,
  type ImageIndex,
  isConfigMediaType,
  isIndexMediaType,
  isManifestMediaType,
  OCI,
  type Platform,
  parseIndex,
  serializeJson,
} from '../spec/index.ts';
import { ComposedSource, routesOf } from './composed-source.ts';

/** Options of the index edits. */
export interface IndexEditOptions extends OperationOptions {
  /** Merged into the index's annotations (image-index.md "annotations"). */
  annotations?: Record<string, string>;
}

/** The platform an image's config declares (image-index.md "platform" is taken from it). */
async function platformOf(image: Image, options: OperationOptions): Promise<Platform | undefined> {
  if (!isConfigMediaType(image.document.value.config.mediaType)) return undefined;
  const config = (await image.config(options)).value;
  const platform: Platform = { architecture: config.architecture, os: config.os };
  if (config.variant !== undefined) platform.variant = config.variant;
  if (config['os.version'] !== undefined) platform['os.version'] = config['os.version'];
  if (config['os.features'] !== undefined) platform['os.features'] = config['os.features'];
  return platform;
}

/** The descriptor an index lists for a child: its digest, and for an image, its platform. */
export async function childDescriptor(
  node: Image | Index,
  options: OperationOptions = {},
): Promise<Descriptor> {
  if (node.kind === 'index') return descriptorOf(node.document);
  const platform = await platformOf(node, options);
  return descriptorOf(node.document, platform ? { platform } : {});
}

/**
 * Wraps an index document as a lazy Index: its children are served by the sources of `nodes`
 * (by digest), then by `fallback` (the sources of an index being edited).
 */
function composeIndex(
  value: ImageIndex,
  nodes: Array<Image | Index>,
  fallback: ImageSource[],
  name: string,
): Index {
  const document = parseIndex(serializeJson(value));
  const descriptor = descriptorOf(document);
  const routes = new Map<string, ImageSource>();
  for (const node of nodes) for (const [digest, source] of routesOf(node)) routes.set(digest, source);
  const sources = [...nodes.map((n) => n.source), ...fallback];
  const source = new ComposedSource(name, { descriptor, document }, { routes, sources });
  return openDocument(source, descriptor, document) as Index;
}

/** The media type of a new index: a Docker manifest list for Docker children only, else OCI. */
function indexMediaType(children: Descriptor[], annotations: Record<string, string> | undefined): string {
  const docker = children.length > 0 && children.every((c) => c.mediaType === DOCKER.manifest);
  // A Docker manifest list has no annotations (manifest-list v2.2), so those make it OCI.
  return docker && annotations === undefined ? DOCKER.manifestList : OCI.index;
}

function newIndexValue(
  mediaType: string,
  manifests: Descriptor[],
  annotations: Record<string, string> | undefined,
): ImageIndex {
  const value: ImageIndex = { schemaVersion: 2, mediaType, manifests };
  if (annotations !== undefined && Object.keys(annotations).length > 0) value.annotations = annotations;
  return value;
}

/** A new index listing `nodes` in order (images with their config's platform, nested indexes as they are). */
export async function createIndex(
  nodes: Array<Image | Index>,
  options: IndexEditOptions = {},
): Promise<Index> {
  if (nodes.length === 0) throw new OciError(ErrorCode.INVALID_ARGUMENT, 'an index needs at least one image');
  const manifests = await Promise.all(nodes.map((n) => childDescriptor(n, options)));
  const value = newIndexValue(indexMediaType(manifests, options.annotations), manifests, options.annotations);
  return composeIndex(value, nodes, [], 'new index');
}

function edited(
  index: Index,
  manifests: Descriptor[],
  options: IndexEditOptions,
  nodes: Array<Image | Index> = [],
): Index {
  const current = index.document.value;
  const annotations =
    current.annotations || options.annotations
      ? { ...current.annotations, ...options.annotations }
      : undefined;
  const value: ImageIndex = { ...structuredClone(current), manifests };
  if (annotations !== undefined) value.annotations = annotations;
  if (value.mediaType === DOCKER.manifestList && annotations !== undefined) value.mediaType = OCI.index;
  return composeIndex(value, nodes, [index.source], `${index.source.name} (modified)`);
}

/** A new index with `nodes` appended after the children `index` has. */
export async function appendToIndex(
  index: Index,
  nodes: Array<Image | Index>,
  options: IndexEditOptions = {},
): Promise<Index> {
  const added = await Promise.all(nodes.map((n) => childDescriptor(n, options)));
  return edited(index, [...index.document.value.manifests, ...added], options, nodes);
}

/** What {@link removeFromIndex} removes: children by digest, or by platform. */
export interface IndexSelection {
  digests?: string[];
  /** `os/arch[/variant]` specifiers; a child matches one when its descriptor's platform does. */
  platforms?: string[];
}

function selects(child: Descriptor, digests: Set<string>, platforms: Platform[]): boolean {
  if (digests.has(child.digest)) return true;
  const have = child.platform;
  return have !== undefined && platforms.some((want) => platformMatches(want, have));
}

/** A new index without the children `selection` names; NOT_FOUND when it names none. */
export function removeFromIndex(
  index: Index,
  selection: IndexSelection,
  options: IndexEditOptions = {},
): Index {
  const digests = new Set(selection.digests ?? []);
  const platforms = (selection.platforms ?? []).map((p) => parsePlatform(p));
  const manifests = index.document.value.manifests;
  const kept = manifests.filter((m) => !selects(m, digests, platforms));
  if (kept.length === manifests.length) {
    throw new OciError(
      ErrorCode.NOT_FOUND,
      `no child of ${index.descriptor.digest} matches what was asked to remove`,
      {
        data: { digests: [...digests], platforms: selection.platforms ?? [] },
      },
    );
  }
  return edited(index, kept, options);
}

/**
 * A new index with only the children for `platforms` (crane index filter); children with no
 * platform go too. NO_MATCHING_PLATFORM when none is left.
 */
export function filterIndex(index: Index, platforms: string[], options: IndexEditOptions = {}): Index {
  const wanted = platforms.map((p) => parsePlatform(p));
  const kept = index.document.value.manifests.filter((m) => selects(m, new Set(), wanted));
  if (kept.length === 0) {
    const available = index.document.value.manifests.flatMap((m) =>
      m.platform ? [formatPlatform(m.platform)] : [],
    );
    throw new OciError(
      ErrorCode.NO_MATCHING_PLATFORM,
      `no child of the index is for ${platforms.join(', ')} (it has ${available.join(', ') || 'none with a platform'})`,
      { data: { platform: platforms.join(','), available } },
    );
  }
  return edited(index, kept, options);
}

/**
 * A new index whose every image (nested indexes included) is replaced by `fn` of it; the other
 * children (artifacts) stay as they are. Each new child keeps its descriptor's platform and
 * annotations.
 */
export async function mapIndexImages(
  index: Index,
  fn: (image: Image, descriptor: Descriptor) => Promise<Image>,
  options: OperationOptions = {},
  depth = 0,
): Promise<Index> {
  if (depth > 8) throw new OciError(ErrorCode.INVALID_DOCUMENT, 'indexes nest more than 8 deep');
  const nodes: Array<Image | Index> = [];
  const manifests: Descriptor[] = [];
  for (const child of index.document.value.manifests) {
    options.signal?.throwIfAborted();
    if (!isManifestMediaType(child.mediaType) && !isIndexMediaType(child.mediaType)) {
      manifests.push(child);
      continue;
    }
    const node = await index.child(child, options);
    const next =
      node.kind === 'index' ? await mapIndexImages(node, fn, options, depth + 1) : await fn(node, child);
    nodes.push(next);
    manifests.push({
      ...child,
      mediaType: next.descriptor.mediaType,
      digest: next.descriptor.digest,
      size: next.descriptor.size,
    });
  }
  const value: ImageIndex = { ...structuredClone(index.document.value), manifests };
  return composeIndex(value, nodes, [index.source], `${index.source.name} (modified)`);
}
