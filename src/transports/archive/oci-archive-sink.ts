/**
 * `oci-archive:FILE[:REF]` as a sink: blobs are verified into a private scratch layout; commit
 * writes `index.json` (one entry, named REF by `org.opencontainers.image.ref.name`) and streams
 * a deterministic tar — `oci-layout`, `index.json`, `blobs/`, `blobs/<alg>/`, then the blobs in
 * sorted order — to FILE through a temp file and a rename (image-layout.md).
 */
import type { Readable } from 'node:stream';
import { type Digest, parseSupportedDigest } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { BlobOptions, ImageSink, OperationOptions } from '../../image/types.ts';
import {
  type Descriptor,
  descriptorOf,
  isNondistributable,
  OCI,
  serializeJson,
  type TopDocument,
} from '../../spec/index.ts';
import { REF_NAME_ANNOTATION } from './oci-archive-source.ts';
import { formatArchiveReference, type OciArchiveReference, parseArchiveReference } from './reference.ts';
import { Staging } from './staging.ts';
import { type ArchiveEntry, writeArchive } from './tar-write.ts';

/** Turns a sink's byte count into the caller's `progress` events. */
export function progressOf(
  descriptor: Descriptor,
  options: BlobOptions,
): ((done: number) => void) | undefined {
  const onProgress = options.onProgress;
  if (onProgress === undefined) return undefined;
  return (done) =>
    onProgress({
      digest: descriptor.digest,
      mediaType: descriptor.mediaType,
      total: descriptor.size,
      done,
      state: 'progress',
    });
}

/** Options for archive sinks. */
export interface ArchiveSinkOptions {
  /** Where the scratch directory goes (default: the system temp directory). */
  scratchDir?: string;
}

/** Opens an `oci-archive:` file for writing; nothing appears at FILE until `commit`. */
export async function ociArchiveSink(
  ref: OciArchiveReference | string,
  options: ArchiveSinkOptions = {},
): Promise<ImageSink> {
  const parsed = typeof ref === 'string' ? parseArchiveReference(ref, 'oci-archive') : ref;
  if (parsed.transport !== 'oci-archive') {
    throw new OciError(
      ErrorCode.INVALID_REFERENCE,
      `${formatArchiveReference(parsed)} is not an oci-archive: reference`,
    );
  }
  return new OciArchiveSink(parsed, await Staging.create(options.scratchDir));
}

class OciArchiveSink implements ImageSink {
  readonly name: string;
  private readonly reference: OciArchiveReference;
  private readonly staging: Staging;
  private readonly documents = new Map<string, TopDocument>();

  constructor(reference: OciArchiveReference, staging: Staging) {
    this.reference = reference;
    this.name = formatArchiveReference(reference);
    this.staging = staging;
  }

  async hasBlob(descriptor: Descriptor): Promise<boolean> {
    return this.staging.has(descriptor.digest);
  }

  async putBlob(descriptor: Descriptor, content: Readable, options: BlobOptions = {}): Promise<void> {
    if (this.staging.has(descriptor.digest)) {
      content.destroy();
      return;
    }
    await this.staging.putStream(descriptor, content, {
      signal: options.signal,
      onProgress: progressOf(descriptor, options),
    });
  }

  async putManifest(document: TopDocument): Promise<void> {
    await this.staging.putBytes({ digest: document.digest, size: document.bytes.byteLength }, document.bytes);
    this.documents.set(document.digest, document);
  }

  async commit(
    top: TopDocument,
    options: OperationOptions = {},
  ): Promise<{ reference: string; digest: Digest }> {
    await this.putManifest(top);
    this.checkComplete(top, new Set());
    const ref = this.reference.ref;
    const descriptor = descriptorOf(
      top,
      ref === undefined ? {} : { annotations: { [REF_NAME_ANNOTATION]: ref } },
    );
    const index = { schemaVersion: 2, mediaType: OCI.index, manifests: [descriptor] };
    const entries: ArchiveEntry[] = [
      { name: 'oci-layout', type: 'file', bytes: serializeJson({ imageLayoutVersion: '1.0.0' }) },
      { name: 'index.json', type: 'file', bytes: serializeJson(index) },
      { name: 'blobs', type: 'directory' },
    ];
    const digests = this.staging.digests().sort();
    const algorithms = [...new Set(digests.map((d) => parseSupportedDigest(d).algorithm))].sort();
    for (const algorithm of algorithms) {
      entries.push({ name: `blobs/${algorithm}`, type: 'directory' });
      for (const digest of digests) {
        const { algorithm: alg, encoded } = parseSupportedDigest(digest);
        const stored = this.staging.get(digest);
        if (alg === algorithm && stored !== undefined) {
          entries.push({
            name: `blobs/${alg}/${encoded}`,
            type: 'file',
            path: stored.path,
            size: stored.size,
          });
        }
      }
    }
    await writeArchive(this.reference.path, entries, options.signal);
    return { reference: this.name, digest: top.digest };
  }

  /** Every blob the document reaches must be staged (image-layout.md: a layout is complete). */
  private checkComplete(document: TopDocument, seen: Set<string>): void {
    if (seen.has(document.digest)) return;
    seen.add(document.digest);
    const children: Descriptor[] =
      document.kind === 'index'
        ? document.value.manifests
        : [document.value.config, ...document.value.layers];
    for (const child of children) {
      if (this.staging.has(child.digest)) {
        const nested = this.documents.get(child.digest);
        if (nested !== undefined) this.checkComplete(nested, seen);
        continue;
      }
      if (isNondistributable(child.mediaType) && (child.urls?.length ?? 0) > 0) continue;
      throw new OciError(ErrorCode.NOT_FOUND, `${this.name}: ${child.digest} was not written before commit`, {
        data: { digest: child.digest },
      });
    }
  }

  async close(): Promise<void> {
    await this.staging.dispose();
  }
}
