/**
 * `validate` (crane validate) over any source — a registry, a layout, an archive: every document
 * and blob the image (or each child of an index) names is read through the source's verifying
 * streams, so each fault found is one the bytes really have. Checked, with the spec rule each
 * applies:
 * - every blob is present, of its descriptor's size and digest (descriptor.md "digest", "size");
 * - every layer decompresses to the DiffID the config records (config.md "rootfs.diff_ids"), and
 *   the layers and DiffIDs are as many;
 * - the history entries not marked `empty_layer` are as many as the layers (config.md "history");
 * - media types agree: a descriptor's with its document's, a Docker v2.2 manifest's config and
 *   layers with Docker types and an OCI one's with OCI types, a layer's compression with its bytes
 *   (manifest.md "layers", media-types.md).
 * `fast` reads no layer byte: layers are only opened, which shows absence and a wrong size on
 * registries (Content-Length) and layouts (the file's size), as crane's `--fast`.
 */
import type { Readable } from 'node:stream';
import type { Digest } from '../digest/index.ts';
import { ErrorCode, isOciError, type OciError } from '../errors/index.ts';
import {
  type Descriptor,
  DOCKER,
  type ImageConfig,
  isConfigMediaType,
  isIndexMediaType,
  isManifestMediaType,
  isNondistributable,
  layerCompression,
  parseConfig,
  type TopDocument,
} from '../spec/index.ts';
import { MAX_CONFIG_BYTES } from './image.ts';
import { limiter } from './limit.ts';
import { readAll } from './read.ts';
import type { ImageSource, OperationOptions } from './types.ts';

/** What is wrong. */
export type ValidateFaultKind =
  | 'missing'
  | 'size-mismatch'
  | 'digest-mismatch'
  | 'diffid-mismatch'
  | 'history-mismatch'
  | 'media-type-mismatch'
  | 'invalid-document'
  | 'invalid-layer';

/** One fault found by {@link validateSource}. */
export interface ValidateFault {
  kind: ValidateFaultKind;
  /** The digest of the blob or document at fault. */
  digest: string;
  /** How it is reached from the top, e.g. `manifests[1] → layers[0]` (`.` for the top itself). */
  path: string;
  message: string;
}

/** The result of {@link validateSource}. */
export interface ValidateReport {
  ok: boolean;
  /** Faults in the order of the documents, then of their blobs. */
  faults: ValidateFault[];
  /** Distinct blobs and documents examined. */
  checked: number;
}

/** Options of {@link validateSource}. */
export interface ValidateOptions extends OperationOptions {
  /** Open layers without reading them (presence and size only). */
  fast?: boolean;
  /** Layers read at once (default 4). */
  jobs?: number;
}

/** Codes that say the check itself could not run (the registry, the network): never a fault. */
const NOT_A_FAULT: ReadonlySet<string> = new Set([
  ErrorCode.UNAUTHORIZED,
  ErrorCode.DENIED,
  ErrorCode.NETWORK_ERROR,
  ErrorCode.TIMEOUT,
  ErrorCode.ABORTED,
  ErrorCode.REGISTRY_ERROR,
  ErrorCode.IO_ERROR,
]);

/** The fault a read error shows, or the error itself when it says nothing about the content. */
function kindOf(err: unknown): ValidateFaultKind {
  if (isOciError(err)) {
    if (NOT_A_FAULT.has(err.code)) throw err;
    if (err.code === ErrorCode.NOT_FOUND) return 'missing';
    if (err.code === ErrorCode.SIZE_MISMATCH) return 'size-mismatch';
    if (err.code === ErrorCode.DIGEST_MISMATCH) return 'digest-mismatch';
    return 'invalid-document';
  }
  throw err;
}

/** What reading a layer gave: its DiffID and compression, or a fault. */
type LayerOutcome =
  | { diffId: Digest; compression: string }
  | { opened: true }
  | { fault: ValidateFaultKind; message: string };

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream);
}

/** Validates what `source` names (an image, or an index and every child); never throws for a fault. */
export async function validateSource(
  source: ImageSource,
  options: ValidateOptions = {},
): Promise<ValidateReport> {
  const faults: ValidateFault[] = [];
  const seen = new Set<string>();
  const layerOutcomes = new Map<string, Promise<LayerOutcome>>();
  const fault = (
    kind: ValidateFaultKind,
    descriptor: { digest: string },
    path: string[],
    message: string,
  ) => {
    faults.push({ kind, digest: descriptor.digest, path: path.length ? path.join(' → ') : '.', message });
  };
  const call = { signal: options.signal };
  const limit = limiter(Math.max(1, options.jobs ?? 4));

  /** Reads a layer once (whatever number of images list it). */
  const readLayer = (layer: Descriptor): Promise<LayerOutcome> => {
    let outcome = layerOutcomes.get(layer.digest);
    if (outcome === undefined) {
      outcome = limit(() =>
        options.fast ? openLayer(source, layer, call) : digestLayer(source, layer, call),
      );
      layerOutcomes.set(layer.digest, outcome);
    }
    return outcome;
  };

  const visitImage = async (document: TopDocument & { kind: 'manifest' }, path: string[]): Promise<void> => {
    const manifest = document.value;
    const docker = document.mediaType === DOCKER.manifest;
    const family = docker ? 'a Docker v2.2' : 'an OCI';
    const configDescriptor = manifest.config;
    const configPath = [...path, 'config'];
    if (
      docker !== (configDescriptor.mediaType === DOCKER.config) &&
      isConfigMediaType(configDescriptor.mediaType)
    ) {
      fault(
        'media-type-mismatch',
        configDescriptor,
        configPath,
        `${family} manifest with a ${configDescriptor.mediaType} config`,
      );
    }
    seen.add(configDescriptor.digest);
    let config: ImageConfig | undefined;
    try {
      const bytes = await readAll(await source.blob(configDescriptor, call), MAX_CONFIG_BYTES);
      if (isConfigMediaType(configDescriptor.mediaType)) config = parseConfig(bytes).value;
    } catch (err) {
      fault(kindOf(err), configDescriptor, configPath, (err as Error).message);
    }
    const diffIds = config?.rootfs.diff_ids;
    await Promise.all(
      manifest.layers.map(async (layer, i) => {
        const layerPath = [...path, `layers[${i}]`];
        seen.add(layer.digest);
        const dockerLayer = layer.mediaType.startsWith('application/vnd.docker.');
        if (docker !== dockerLayer && (dockerLayer || layer.mediaType.startsWith('application/vnd.oci.'))) {
          fault(
            'media-type-mismatch',
            layer,
            layerPath,
            `${family} manifest lists a ${layer.mediaType} layer`,
          );
        }
        const outcome = await readLayer(layer);
        if ('fault' in outcome) {
          // image-layout.md: foreign layers (non-distributable, with URLs) may be absent.
          const foreign = isNondistributable(layer.mediaType) && (layer.urls?.length ?? 0) > 0;
          if (!(foreign && outcome.fault === 'missing'))
            fault(outcome.fault, layer, layerPath, outcome.message);
          return;
        }
        if (!('diffId' in outcome)) return;
        const declared = layerCompression(layer.mediaType);
        if (declared !== 'unknown' && declared !== outcome.compression) {
          fault(
            'media-type-mismatch',
            layer,
            layerPath,
            `${layer.mediaType} says ${declared}, the bytes are ${outcome.compression}`,
          );
        }
        const recorded = diffIds?.[i];
        if (recorded !== undefined && recorded !== outcome.diffId) {
          fault(
            'diffid-mismatch',
            layer,
            layerPath,
            `the layer's DiffID is ${outcome.diffId}, the config records ${recorded}`,
          );
        }
      }),
    );
    if (config === undefined) return;
    if (diffIds !== undefined && diffIds.length !== manifest.layers.length) {
      fault(
        'diffid-mismatch',
        configDescriptor,
        configPath,
        `the config records ${diffIds.length} DiffIDs for ${manifest.layers.length} layers`,
      );
    }
    if (config.history !== undefined) {
      const nonEmpty = config.history.filter((h) => h.empty_layer !== true).length;
      if (nonEmpty !== manifest.layers.length) {
        fault(
          'history-mismatch',
          configDescriptor,
          configPath,
          `the config's history has ${nonEmpty} entries that are not empty_layer for ${manifest.layers.length} layers`,
        );
      }
    }
  };

  const visit = async (descriptor: Descriptor, path: string[], depth: number): Promise<void> => {
    options.signal?.throwIfAborted();
    seen.add(descriptor.digest);
    let document: TopDocument;
    try {
      document = await source.manifest(descriptor, call);
    } catch (err) {
      fault(kindOf(err), descriptor, path, (err as Error).message);
      return;
    }
    if (descriptor.mediaType !== document.mediaType) {
      fault(
        'media-type-mismatch',
        descriptor,
        path,
        `the descriptor says ${descriptor.mediaType}, the document is ${document.mediaType}`,
      );
    }
    if (document.kind === 'manifest') return visitImage(document, path);
    if (depth >= 8) {
      fault('invalid-document', descriptor, path, 'indexes nest more than 8 deep');
      return;
    }
    for (const [i, child] of document.value.manifests.entries()) {
      const childPath = [...path, `manifests[${i}]`];
      if (isManifestMediaType(child.mediaType) || isIndexMediaType(child.mediaType)) {
        await visit(child, childPath, depth + 1);
        continue;
      }
      seen.add(child.digest);
      const outcome = await openLayer(source, child, call);
      if ('fault' in outcome) fault(outcome.fault, child, childPath, outcome.message);
    }
  };

  await visit(await source.resolve(call), [], 0);
  return { ok: faults.length === 0, faults, checked: seen.size };
}

/** Opens a blob and closes it unread: absence and (where the source knows it first) size. */
async function openLayer(
  source: ImageSource,
  layer: Descriptor,
  options: OperationOptions,
): Promise<LayerOutcome> {
  try {
    const stream = await source.blob(layer, options);
    stream.on('error', () => {});
    stream.destroy();
    return { opened: true };
  } catch (err) {
    return { fault: kindOf(err), message: (err as OciError).message };
  }
}

/** Reads a layer, hashing it and its decompressed tar in one pass. */
async function digestLayer(
  source: ImageSource,
  layer: Descriptor,
  options: OperationOptions,
): Promise<LayerOutcome> {
  // Loaded here: the module also brings the compressors, which the image barrel should not load.
  const { decompressAndDigest } = await import('../compress/digesting.ts');
  let stream: Readable;
  try {
    stream = await source.blob(layer, options);
  } catch (err) {
    return { fault: kindOf(err), message: (err as OciError).message };
  }
  const { output, result } = decompressAndDigest(stream, options);
  try {
    await drain(output);
    const digests = await result;
    return { diffId: digests.diffId, compression: digests.compression };
  } catch (err) {
    if (isOciError(err) && NOT_A_FAULT.has(err.code)) throw err;
    if (isOciError(err, ErrorCode.DIGEST_MISMATCH) || isOciError(err, ErrorCode.SIZE_MISMATCH)) {
      return { fault: kindOf(err), message: err.message };
    }
    // The decompressor may stop before the verifier sees the end: read the bytes alone to tell a
    // changed blob from one whose bytes are right but do not decompress.
    try {
      await drain(await source.blob(layer, options));
    } catch (raw) {
      return { fault: kindOf(raw), message: (raw as Error).message };
    }
    return {
      fault: 'invalid-layer',
      message: `${layer.digest} does not decompress: ${(err as Error).message}`,
    };
  }
}
