/** The write side of the `oci:` transport: blobs through verified ingest, names through locked index.json updates. */
import type { Readable } from 'node:stream';
import type { Digest } from '../../digest/index.ts';
import { digestMismatch } from '../../digest/index.ts';
import { ErrorCode, isOciError } from '../../errors/index.ts';
import type { BlobOptions, ImageSink, OperationOptions } from '../../image/types.ts';
import type { Descriptor, TopDocument } from '../../spec/index.ts';
import { initLayout, type OciLayout, openLayout } from '../../store/index.ts';
import { formatLayoutReference, type LayoutReference, parseLayoutReference } from './reference.ts';

/**
 * An {@link ImageSink} into the layout `ref` names, created (folder included) when missing.
 * `commit` names the top document with the reference's tag, or adds it untagged to index.json.
 */
export function layoutSink(ref: LayoutReference | string): ImageSink {
  const parsed = typeof ref === 'string' ? parseLayoutReference(ref) : ref;
  let opened: Promise<OciLayout> | undefined;
  /** The layout as it was before this sink wrote anything (read by storedDocument). */
  let existing: Promise<OciLayout> | undefined;
  const layout = (): Promise<OciLayout> => {
    opened ??= initLayout(parsed.dir);
    return opened;
  };
  return {
    name: formatLayoutReference(parsed),
    async hasBlob(descriptor: Descriptor): Promise<boolean> {
      return (await layout()).has(descriptor);
    },
    async storedDocument(
      descriptor: Descriptor,
      options?: OperationOptions,
    ): Promise<Uint8Array | undefined> {
      options?.signal?.throwIfAborted();
      let store: OciLayout;
      try {
        // Asked before anything is written: a layout that is not there yet is not made for it.
        existing ??= openLayout(parsed.dir);
        store = await (opened ?? existing);
      } catch (err) {
        if (isOciError(err, ErrorCode.ABORTED)) throw err;
        return undefined;
      }
      if (!(await store.has(descriptor))) return undefined;
      try {
        return await store.readBytes(descriptor);
      } catch (err) {
        if (isOciError(err, ErrorCode.ABORTED)) throw err;
        return undefined; // damaged or too large here: the source has it
      }
    },
    /** Stores a blob through verified ingest, reporting bytes written as `progress` events. */
    async putBlob(descriptor: Descriptor, content: Readable, options: BlobOptions = {}): Promise<void> {
      const store = await layout();
      const { onProgress } = options;
      const event = { digest: descriptor.digest, mediaType: descriptor.mediaType, total: descriptor.size };
      await store.ingest(
        content,
        { digest: descriptor.digest, size: descriptor.size },
        {
          signal: options.signal,
          onProgress: onProgress && ((done) => onProgress({ ...event, done, state: 'progress' })),
        },
      );
    },
    async putManifest(document: TopDocument, options?: OperationOptions): Promise<void> {
      options?.signal?.throwIfAborted();
      await (await layout()).putBytes(document.bytes, document.digest);
    },
    async commit(
      top: TopDocument,
      options?: OperationOptions,
    ): Promise<{ reference: string; digest: Digest }> {
      options?.signal?.throwIfAborted();
      const store = await layout();
      if (parsed.digest !== undefined && parsed.digest !== top.digest) {
        throw digestMismatch({ digest: parsed.digest }, top.digest);
      }
      await store.putBytes(top.bytes, top.digest);
      const descriptor = topDescriptor(top);
      if (parsed.tag !== undefined) await store.tag(parsed.tag, descriptor, { signal: options?.signal });
      else await store.addUntagged(descriptor, { signal: options?.signal });
      return {
        reference: formatLayoutReference(
          parsed.tag === undefined ? { dir: parsed.dir, digest: top.digest } : parsed,
        ),
        digest: top.digest,
      };
    },
    async close(): Promise<void> {},
  };
}

/** The index.json entry for a top document (descriptor.md: artifactType travels with it). */
function topDescriptor(top: TopDocument): Descriptor {
  const descriptor: Descriptor = { mediaType: top.mediaType, digest: top.digest, size: top.bytes.byteLength };
  if (top.value.artifactType !== undefined) descriptor.artifactType = top.value.artifactType;
  return descriptor;
}
