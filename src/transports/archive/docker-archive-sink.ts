/**
 * `docker-archive:FILE[:NAME:TAG]` as a sink: writes what `docker load` and skopeo read
 * (spec-checklist §5.4, in the flat form skopeo writes): `<config-hex>.json`,
 * `<diffid-hex>.tar` per layer, UNCOMPRESSED (compressed layers are decompressed as they
 * arrive, by sniffing), `manifest.json` `[{Config, RepoTags, Layers}]`, and `repositories` when
 * tagged. Each layer's DiffID must equal the config's `rootfs.diff_ids[i]`. The image it reports
 * is the Docker v2.2 manifest a reader synthesises: Docker config type, uncompressed layers.
 */
import { createWriteStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { decompressStream } from '../../compress/index.ts';
import { type Digest, Hasher, parseSupportedDigest, Verifier } from '../../digest/index.ts';
import { ErrorCode, OciError, toOciError } from '../../errors/index.ts';
import type { BlobOptions, ImageSink, OperationOptions } from '../../image/types.ts';
import {
  type Descriptor,
  DOCKER,
  isConfigMediaType,
  isLayerMediaType,
  parseConfig,
  serializeJson,
  type TopDocument,
} from '../../spec/index.ts';
import { synthesiseManifest } from './docker-save.ts';
import { type ArchiveSinkOptions, progressOf } from './oci-archive-sink.ts';
import { type DockerArchiveReference, formatArchiveReference, parseArchiveReference } from './reference.ts';
import { Staging } from './staging.ts';
import { type ArchiveEntry, writeArchive } from './tar-write.ts';

/** Opens a `docker-archive:` file for writing; nothing appears at FILE until `commit`. */
export async function dockerArchiveSink(
  ref: DockerArchiveReference | string,
  options: ArchiveSinkOptions = {},
): Promise<ImageSink> {
  const parsed = typeof ref === 'string' ? parseArchiveReference(ref, 'docker-archive') : ref;
  if (parsed.transport !== 'docker-archive') {
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `${formatArchiveReference(parsed)} is not a docker-archive: reference`,
    );
  }
  return new DockerArchiveSink(parsed, await Staging.create(options.scratchDir));
}

/** A layer stored uncompressed, keyed by the digest of the blob it came from. */
interface StoredLayer {
  diffId: Digest;
  path: string;
  size: number;
}

class DockerArchiveSink implements ImageSink {
  readonly name: string;
  private readonly reference: DockerArchiveReference;
  private readonly staging: Staging;
  private readonly layers = new Map<string, StoredLayer>();

  constructor(reference: DockerArchiveReference, staging: Staging) {
    this.reference = reference;
    this.name = formatArchiveReference(reference);
    this.staging = staging;
  }

  async hasBlob(descriptor: Descriptor): Promise<boolean> {
    return this.layers.has(descriptor.digest) || this.staging.has(descriptor.digest);
  }

  async putBlob(descriptor: Descriptor, content: Readable, options: BlobOptions = {}): Promise<void> {
    if (await this.hasBlob(descriptor)) {
      content.destroy();
      return;
    }
    if (isConfigMediaType(descriptor.mediaType) || !isLayerMediaType(descriptor.mediaType)) {
      await this.staging.putStream(descriptor, content, {
        signal: options.signal,
        onProgress: progressOf(descriptor, options),
      });
      return;
    }
    await this.putLayer(descriptor, content, options.signal, progressOf(descriptor, options));
  }

  /**
   * Verifies the blob as it arrives, decompresses it (sniffed) and hashes the result as the DiffID,
   * in one pass; the uncompressed tar is kept only when the blob verified.
   */
  private async putLayer(
    descriptor: Descriptor,
    content: Readable,
    signal?: AbortSignal,
    onProgress?: (done: number) => void,
  ): Promise<void> {
    const verifier = new Verifier(descriptor);
    // DiffIDs are sha256 in practice (config.md); the blob's own algorithm may differ.
    const diff = new Hasher('sha256');
    const temp = this.staging.tempPath();
    async function* verified(source: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array> {
      for await (const chunk of source) {
        verifier.update(chunk);
        onProgress?.(verifier.size);
        yield chunk;
      }
      verifier.finish();
    }
    async function* hashed(source: AsyncIterable<Buffer>): AsyncGenerator<Uint8Array> {
      for await (const chunk of source) {
        diff.update(chunk);
        yield chunk;
      }
    }
    try {
      await pipeline(content, verified, decompressStream({ signal }), hashed, createWriteStream(temp), {
        signal,
      });
      const diffId = diff.digest();
      const target = this.staging.blobPath(diffId);
      await this.staging.publish(temp, target, diffId, diff.size);
      const stored = { diffId, path: target, size: diff.size };
      this.layers.set(descriptor.digest, stored);
      // The uncompressed tar is itself the blob of digest DiffID: a plain copy of the layer is stored too.
      this.layers.set(diffId, stored);
    } catch (err) {
      await rm(temp, { force: true });
      throw toOciError(err);
    }
  }

  /**
   * A Docker archive holds single images with an image config (spec-checklist §5.4): an index, or
   * an artifact whose config is not an image config, is refused (UNSUPPORTED) before anything is
   * written.
   */
  checkTop(top: TopDocument): asserts top is TopDocument & { kind: 'manifest' } {
    if (top.kind !== 'manifest') {
      throw new OciError(
        ErrorCode.UNSUPPORTED,
        `${this.name}: a docker archive holds single-platform images, not an index; copy one platform of it`,
        { data: { mediaType: top.mediaType } },
      );
    }
    if (!isConfigMediaType(top.value.config.mediaType)) {
      throw new OciError(
        ErrorCode.UNSUPPORTED,
        `${this.name}: a docker archive holds images, not an artifact of config type ${top.value.config.mediaType}`,
        { data: { mediaType: top.value.config.mediaType } },
      );
    }
  }

  async putManifest(_document: TopDocument): Promise<void> {
    // The archive holds no manifest of its own: manifest.json is written at commit.
  }

  async commit(
    top: TopDocument,
    options: OperationOptions = {},
  ): Promise<{ reference: string; digest: Digest }> {
    this.checkTop(top);
    const manifest = top.value;
    const configStored = this.staging.get(manifest.config.digest);
    if (configStored === undefined) {
      throw new OciError(
        ErrorCode.NOT_FOUND,
        `${this.name}: config ${manifest.config.digest} was not written before commit`,
      );
    }
    const configBytes = await readFile(configStored.path);
    const config = parseConfig(configBytes, { contentType: manifest.config.mediaType });
    const diffIds = config.value.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) {
      throw new OciError(
        ErrorCode.INVALID_DOCUMENT,
        `${this.name}: the manifest has ${manifest.layers.length} layers, the config ${diffIds.length} diff_ids`,
      );
    }
    const layers = manifest.layers.map((descriptor, i) => {
      const stored = this.layers.get(descriptor.digest);
      if (stored === undefined) {
        throw new OciError(
          ErrorCode.NOT_FOUND,
          `${this.name}: layer ${descriptor.digest} was not written before commit`,
          {
            data: { digest: descriptor.digest },
          },
        );
      }
      if (stored.diffId !== diffIds[i]) {
        throw new OciError(
          ErrorCode.DIGEST_MISMATCH,
          `${this.name}: layer ${i} uncompresses to ${stored.diffId}, the config says ${diffIds[i]}`,
          { data: { layer: i, expected: diffIds[i], actual: stored.diffId } },
        );
      }
      return stored;
    });

    const configName = `${parseSupportedDigest(config.digest).encoded}.json`;
    const layerName = (layer: StoredLayer) => `${parseSupportedDigest(layer.diffId).encoded}.tar`;
    const name = this.reference.name;
    const saved = [
      {
        Config: configName,
        RepoTags: name === undefined ? [] : [name.familiar],
        Layers: layers.map(layerName),
      },
    ];
    const entries: ArchiveEntry[] = [{ name: configName, type: 'file', bytes: configBytes }];
    const written = new Set<string>();
    for (const layer of layers) {
      if (written.has(layer.diffId)) continue;
      written.add(layer.diffId);
      entries.push({ name: layerName(layer), type: 'file', path: layer.path, size: layer.size });
    }
    entries.push({ name: 'manifest.json', type: 'file', bytes: serializeJson(saved) });
    const topLayer = layers.at(-1);
    if (name !== undefined && topLayer !== undefined) {
      // Legacy loaders read repositories: repo → tag → top layer id (spec-checklist §5.4, §5.5).
      const repositories = {
        [name.familiarRepository]: { [name.tag]: parseSupportedDigest(topLayer.diffId).encoded },
      };
      entries.push({ name: 'repositories', type: 'file', bytes: serializeJson(repositories) });
    }
    await writeArchive(this.reference.path, entries, options.signal);
    const document = synthesiseManifest(
      { size: configBytes.byteLength, digest: config.digest },
      layers.map((l) => ({ mediaType: DOCKER.layer, size: l.size, digest: l.diffId })),
    );
    return { reference: this.name, digest: document.digest };
  }

  async close(): Promise<void> {
    await this.staging.dispose();
  }
}
