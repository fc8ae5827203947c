/**
 * `docker-archive:FILE[:NAME:TAG]` as a source: `docker save` output (spec-checklist §5.4–§5.6,
 * §10.19). An archive with `oci-layout` + `index.json` (Docker v25+, containerd export) is read
 * as the layout it holds; otherwise `manifest.json` is used and a Docker v2.2 manifest is
 * synthesised, with layer compression sniffed from the bytes. Every path `manifest.json` gives is
 * resolved inside the archive, symlinks included.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Compression, decompressStream, SNIFF_BYTES, sniffCompression } from '../../compress/index.ts';
import { type Digest, Hasher, parseSupportedDigest } from '../../digest/index.ts';
import { ErrorCode, OciError, toOciError } from '../../errors/index.ts';
import type { BlobOptions, ImageSource, OperationOptions } from '../../image/types.ts';
import {
  type Descriptor,
  DOCKER,
  descriptorOf,
  MAX_CONFIG_BYTES,
  type ManifestDocument,
  parseConfig,
  type TopDocument,
} from '../../spec/index.ts';
import {
  type DockerSaveImage,
  MAX_DOCKER_MANIFEST_BYTES,
  parseDockerSaveManifest,
  type SynthesisedLayer,
  synthesiseManifest,
} from './docker-save.ts';
import { verifiedEntryStream } from './entry-stream.ts';
import { REF_NAME_ANNOTATION } from './oci-archive-source.ts';
import {
  type DockerArchiveReference,
  type DockerTaggedName,
  formatArchiveReference,
  parseArchiveReference,
  tryDockerTaggedName,
} from './reference.ts';
import { resolveFile } from './resolve.ts';
import type { TarEntry } from './tar-index.ts';
import { TarIndex } from './tar-index.ts';
import {
  checkLayoutEntries,
  hasLayout,
  onlyDescriptor,
  readLayoutIndex,
  TarLayoutSource,
} from './tar-layout.ts';

/** The annotation containerd and Docker v25+ put the full image name in (spec-checklist §5.5). */
export const IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';

const LAYER_TYPES: Record<Compression, string> = {
  none: DOCKER.layer,
  gzip: DOCKER.layerGzip,
  zstd: DOCKER.layerZstd,
};

function asDockerReference(ref: DockerArchiveReference | string): DockerArchiveReference {
  const parsed = typeof ref === 'string' ? parseArchiveReference(ref, 'docker-archive') : ref;
  if (parsed.transport !== 'docker-archive') {
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `${formatArchiveReference(parsed)} is not a docker-archive: reference`,
    );
  }
  return parsed;
}

/** Picks the `manifest.json` image tagged `name`, or the only one. */
export function pickSavedImage(
  images: readonly DockerSaveImage[],
  name: DockerTaggedName | undefined,
  archive: string,
): DockerSaveImage {
  if (name === undefined) {
    const only = images[0];
    if (only === undefined)
      throw new OciError(ErrorCode.NOT_FOUND, `${archive}: the archive holds no image`, {
        data: { path: archive },
      });
    if (images.length > 1) {
      throw new OciError(
        ErrorCode.INVALID_ARGUMENT,
        `${archive}: the archive holds ${images.length} images; name one as docker-archive:FILE:NAME:TAG`,
        {
          data: { path: archive, count: images.length },
        },
      );
    }
    return only;
  }
  const found = images.find((image) =>
    (image.RepoTags ?? []).some((tag) => tryDockerTaggedName(tag)?.full === name.full),
  );
  if (found === undefined) {
    throw new OciError(ErrorCode.NOT_FOUND, `${archive}: no image tagged ${name.familiar}`, {
      data: { path: archive, name: name.full },
    });
  }
  return found;
}

/** Picks the layout index entry named `name` (by its full image name or a full-reference ref name). */
function pickLayoutEntry(
  manifests: readonly Descriptor[],
  name: DockerTaggedName,
  archive: string,
): Descriptor {
  const found = manifests.find((d) => {
    const fullName = d.annotations?.[IMAGE_NAME_ANNOTATION];
    const refName = d.annotations?.[REF_NAME_ANNOTATION];
    // ref.name may hold a bare tag (Docker, containerd) or a full reference (other tools): §10.18.
    const candidates = [fullName, refName !== undefined && /[:/]/.test(refName) ? refName : undefined];
    return candidates.some((value) => value !== undefined && tryDockerTaggedName(value)?.full === name.full);
  });
  if (found === undefined) {
    throw new OciError(ErrorCode.NOT_FOUND, `${archive}: no image tagged ${name.familiar}`, {
      data: { path: archive, name: name.full },
    });
  }
  return found;
}

/**
 * Opens a `docker-archive:` file for reading. Throws NOT_FOUND (no file, no such image),
 * INVALID_ARCHIVE (no manifest.json, missing or non-regular entries, layer count differing from
 * the config's diff_ids), UNSAFE_PATH (a path or link leading out of the archive) and, once a
 * layer is read, DIGEST_MISMATCH when its DiffID differs from the config.
 */
export async function dockerArchiveSource(ref: DockerArchiveReference | string): Promise<ImageSource> {
  const reference = asDockerReference(ref);
  const tar = await TarIndex.open(reference.path);
  const name = formatArchiveReference(reference);
  if (hasLayout(tar)) {
    checkLayoutEntries(tar, false);
    const index = await readLayoutIndex(tar);
    const wanted = reference.name;
    return new TarLayoutSource(name, tar, index, (manifests) =>
      wanted === undefined
        ? onlyDescriptor(manifests, reference.path, 'name one as docker-archive:FILE:NAME:TAG')
        : pickLayoutEntry(manifests, wanted, reference.path),
    );
  }
  const manifestEntry = tar.get('manifest.json');
  if (manifestEntry === undefined) {
    throw new OciError(
      ErrorCode.INVALID_ARCHIVE,
      `${reference.path}: not a docker save archive: it has no manifest.json`,
      {
        data: { path: reference.path },
      },
    );
  }
  const images = parseDockerSaveManifest(
    await tar.read(resolveFile(tar, 'manifest.json'), MAX_DOCKER_MANIFEST_BYTES),
    reference.path,
  );
  const image = pickSavedImage(images, reference.name, reference.path);
  return new DockerSaveSource(name, tar, image);
}

interface StoredBlob {
  entry: TarEntry;
  size: number;
}

interface Synthesised {
  descriptor: Descriptor;
  document: ManifestDocument;
  blobs: Map<string, StoredBlob>;
}

/** An image of a legacy `docker save` archive, its manifest synthesised on first use. */
class DockerSaveSource implements ImageSource {
  readonly name: string;
  private readonly tar: TarIndex;
  private readonly image: DockerSaveImage;
  private synthesised: Promise<Synthesised> | undefined;

  constructor(name: string, tar: TarIndex, image: DockerSaveImage) {
    this.name = name;
    this.tar = tar;
    this.image = image;
  }

  async resolve(options: OperationOptions = {}): Promise<Descriptor> {
    return (await this.synthesise(options)).descriptor;
  }

  async manifest(descriptor: Descriptor, options: OperationOptions = {}): Promise<TopDocument> {
    const built = await this.synthesise(options);
    if (descriptor.digest !== built.document.digest) {
      throw new OciError(
        ErrorCode.NOT_FOUND,
        `${this.name}: manifest ${descriptor.digest} is not in the archive`,
        {
          data: { digest: descriptor.digest },
        },
      );
    }
    return built.document;
  }

  async blob(descriptor: Descriptor, options: BlobOptions = {}): Promise<Readable> {
    const built = await this.synthesise(options);
    const stored = built.blobs.get(descriptor.digest);
    if (stored === undefined) {
      throw new OciError(
        ErrorCode.NOT_FOUND,
        `${this.name}: blob ${descriptor.digest} is not in the archive`,
        {
          data: { digest: descriptor.digest },
        },
      );
    }
    return verifiedEntryStream(
      this.tar,
      stored.entry,
      { digest: descriptor.digest, size: stored.size },
      options.signal,
    );
  }

  async close(): Promise<void> {}

  private synthesise(options: OperationOptions): Promise<Synthesised> {
    this.synthesised ??= this.build(options);
    return this.synthesised;
  }

  private async build(options: OperationOptions): Promise<Synthesised> {
    const tar = this.tar;
    const configEntry = resolveFile(tar, this.image.Config);
    const configBytes = await tar.read(configEntry, MAX_CONFIG_BYTES);
    const config = parseConfig(configBytes, { contentType: DOCKER.config });
    const diffIds = config.value.rootfs.diff_ids;
    if (diffIds.length !== this.image.Layers.length) {
      throw new OciError(
        ErrorCode.INVALID_ARCHIVE,
        `${tar.path}: layers length mismatch: manifest.json lists ${this.image.Layers.length} layers, the config ${diffIds.length} diff_ids`,
        { data: { path: tar.path, layers: this.image.Layers.length, diffIds: diffIds.length } },
      );
    }
    const blobs = new Map<string, StoredBlob>([
      [config.digest, { entry: configEntry, size: configEntry.size }],
    ]);
    const layers: SynthesisedLayer[] = [];
    const byEntry = new Map<string, { layer: SynthesisedLayer; diffId: Digest }>();
    for (const [i, path] of this.image.Layers.entries()) {
      const entry = resolveFile(tar, path);
      const diffId = diffIds[i] as Digest;
      let known = byEntry.get(entry.name);
      if (known === undefined) {
        known = await this.describeLayer(entry, i, diffId, options);
        byEntry.set(entry.name, known);
      }
      if (known.diffId !== diffId) throw diffIdMismatch(tar.path, i, diffId, known.diffId);
      blobs.set(known.layer.digest, { entry, size: entry.size });
      layers.push(known.layer);
    }
    const document = synthesiseManifest({ size: configBytes.byteLength, digest: config.digest }, layers);
    return { descriptor: descriptorOf(document), document, blobs };
  }

  /**
   * A plain layer's digest is its DiffID, checked when the layer is read (the verifying stream).
   * A compressed layer is read once now: its digest is computed, and its DiffID checked.
   */
  private async describeLayer(
    entry: TarEntry,
    index: number,
    diffId: Digest,
    options: OperationOptions,
  ): Promise<{ layer: SynthesisedLayer; diffId: Digest }> {
    const kind = sniffCompression(await this.tar.head(entry, SNIFF_BYTES));
    if (kind === 'none') {
      parseSupportedDigest(diffId);
      return { layer: { mediaType: LAYER_TYPES.none, size: entry.size, digest: diffId }, diffId };
    }
    const raw = new Hasher();
    const uncompressed = new Hasher(parseSupportedDigest(diffId).algorithm);
    await pipeline(
      this.tar.stream(entry, { signal: options.signal }),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          raw.update(chunk);
          yield chunk;
        }
      },
      decompressStream({ signal: options.signal }),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) uncompressed.update(chunk);
      },
    ).catch((err: unknown) => {
      throw toOciError(err);
    });
    const actual = uncompressed.digest();
    if (actual !== diffId) throw diffIdMismatch(this.tar.path, index, diffId, actual);
    return {
      layer: { mediaType: LAYER_TYPES[kind], size: entry.size, digest: raw.digest() },
      diffId: actual,
    };
  }
}

function diffIdMismatch(archive: string, index: number, expected: Digest, actual: Digest): OciError {
  return new OciError(
    ErrorCode.DIGEST_MISMATCH,
    `${archive}: invalid diffID for layer ${index}: the config says ${expected}, the layer is ${actual}`,
    { data: { path: archive, layer: index, expected, actual } },
  );
}
