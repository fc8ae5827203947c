/**
 * `rebase` (crane rebase): an image's lower layers, those of its old base, replaced by the layers
 * of a new base. The old base's layers must be exactly the image's first layers (same digests and
 * DiffIDs), else INVALID_ARGUMENT. The config keeps the image's settings; its rootfs.diff_ids and
 * history become the new base's followed by the image's own (config.md: history entries past the
 * old base's count are the image's). On an index, every image is rebased onto the base image for
 * its platform (a single-image base serves every child).
 */
import { digestBytes } from '../digest/index.ts';
import { ErrorCode, OciError } from '../errors/index.ts';
import { openDocument } from '../image/image.ts';
import type { Image, ImageSource, Index, OperationOptions } from '../image/types.ts';
import { type Descriptor, type ImageManifest, type Platform, serializeJson } from '../spec/index.ts';
import { ComposedSource, routesOf } from './composed-source.ts';
import { mapIndexImages } from './index-edit.ts';
import { replacementManifest } from './replacement-manifest.ts';

/** The bases of a rebase: images, or indexes to pick each child's platform from. */
export interface RebaseBases {
  oldBase: Image | Index;
  newBase: Image | Index;
}

function notLower(image: Image, oldBase: Image, reason: string): OciError {
  return new OciError(
    ErrorCode.INVALID_ARGUMENT,
    `the old base ${oldBase.descriptor.digest} is not the lower layers of ${image.descriptor.digest}: ${reason}`,
    { data: { image: image.descriptor.digest, oldBase: oldBase.descriptor.digest } },
  );
}

/** Checks that the old base's layers and DiffIDs are the image's first ones. */
async function checkLowerLayers(image: Image, oldBase: Image, options: OperationOptions): Promise<void> {
  const layers = image.document.value.layers;
  const lower = oldBase.document.value.layers;
  if (lower.length > layers.length) {
    throw notLower(image, oldBase, `it has ${lower.length} layers, the image ${layers.length}`);
  }
  for (const [i, layer] of lower.entries()) {
    if (layers[i]?.digest !== layer.digest) {
      throw notLower(image, oldBase, `layer ${i} is ${layer.digest}, the image has ${layers[i]?.digest}`);
    }
  }
  const diffIds = (await image.config(options)).value.rootfs.diff_ids;
  const baseDiffIds = (await oldBase.config(options)).value.rootfs.diff_ids;
  for (const [i, diffId] of baseDiffIds.entries()) {
    if (diffIds[i] !== diffId)
      throw notLower(image, oldBase, `DiffID ${i} is ${diffId}, the image has ${diffIds[i]}`);
  }
}

/** One image rebased from `oldBase` onto `newBase`. */
export async function rebaseImage(
  image: Image,
  oldBase: Image,
  newBase: Image,
  options: OperationOptions = {},
): Promise<Image> {
  await checkLowerLayers(image, oldBase, options);
  const config = structuredClone((await image.config(options)).value);
  const oldConfig = (await oldBase.config(options)).value;
  const newConfig = (await newBase.config(options)).value;
  const keep = oldBase.document.value.layers.length;
  config.rootfs = {
    ...config.rootfs,
    diff_ids: [...newConfig.rootfs.diff_ids, ...config.rootfs.diff_ids.slice(keep)],
  };
  if (config.history !== undefined || newConfig.history !== undefined) {
    config.history = [
      ...(newConfig.history ?? []),
      ...(config.history ?? []).slice(oldConfig.history?.length ?? 0),
    ];
  }
  const configBytes = serializeJson(config);
  const configDigest = digestBytes(configBytes);
  const manifest: ImageManifest = {
    ...structuredClone(image.document.value),
    config: { ...image.document.value.config, digest: configDigest, size: configBytes.byteLength },
    layers: [...newBase.document.value.layers, ...image.document.value.layers.slice(keep)],
  };
  delete manifest.config.data;
  const { document, descriptor } = replacementManifest(image, manifest);
  // The new base's layers come from its source, the image's own from the image's.
  const routes = new Map<string, ImageSource>([...routesOf(image), ...routesOf(newBase)]);
  const source = new ComposedSource(
    `${image.source.name} (rebased)`,
    { descriptor, document },
    { routes, sources: [image.source, newBase.source] },
    { blobs: new Map([[configDigest, configBytes]]) },
  );
  return openDocument(source, descriptor, document) as Image;
}

async function baseFor(
  base: Image | Index,
  platform: Platform | undefined,
  options: OperationOptions,
): Promise<Image> {
  return base.kind === 'image' ? base : base.image(platform, options);
}

/** Rebases an image, or every image of an index onto the bases for its platform. */
export async function rebase(
  node: Image | Index,
  bases: RebaseBases,
  options: OperationOptions = {},
): Promise<Image | Index> {
  const one = async (image: Image, descriptor?: Descriptor): Promise<Image> => {
    let platform = descriptor?.platform;
    if (platform === undefined && (bases.oldBase.kind === 'index' || bases.newBase.kind === 'index')) {
      const config = (await image.config(options)).value;
      platform = { os: config.os, architecture: config.architecture };
      if (config.variant !== undefined) platform.variant = config.variant;
    }
    const oldBase = await baseFor(bases.oldBase, platform, options);
    const newBase = await baseFor(bases.newBase, platform, options);
    return rebaseImage(image, oldBase, newBase, options);
  };
  if (node.kind === 'image') return one(node);
  return mapIndexImages(node, one, options);
}
