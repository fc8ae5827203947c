/** The read side of the `dir:` transport (skopeo's folder format, see format.ts). */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { addAbortSignal, pipeline } from 'node:stream';
import { digestMismatch, sizeMismatch, verifyingStream } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { BlobOptions, ImageSource, OperationOptions } from '../../image/types.ts';
import {
  type Descriptor,
  descriptorOf,
  MAX_MANIFEST_BYTES,
  parseTopDocument,
  type TopDocument,
} from '../../spec/index.ts';
import { openRegularFile } from '../../store/safe-file.ts';
import {
  blobFile,
  MANIFEST_FILE,
  MAX_SIGNATURE_BYTES,
  MAX_SIGNATURES,
  manifestFile,
  signatureFile,
  VERSION_FILE,
} from './format.ts';
import { checkVersionFile, readSmallFile } from './read.ts';

/** A `dir:` source, which also hands out the simple-signing signatures stored beside the image. */
export interface DirSource extends ImageSource {
  /** The folder read. */
  readonly dir: string;
  /**
   * The signatures stored for the top manifest (`signature-1`, …) or for the child manifest
   * `digest`, as raw bytes, in order; empty when there are none.
   */
  signatures(digest?: string): Promise<Buffer[]>;
}

/**
 * Opens the `dir:` folder `dir` for reading: NOT_FOUND when it does not exist, INVALID_LAYOUT
 * when it has no `version` file of format 1.1. Every file is read without following symlinks;
 * `manifest.json` is bounded (4 MiB, TOO_LARGE beyond), and each blob and child manifest is
 * verified against the digest its file is named by.
 */
export async function openDirSource(dir: string): Promise<DirSource> {
  try {
    const info = await stat(dir);
    if (!info.isDirectory())
      throw new OciError(ErrorCode.INVALID_LAYOUT, `${dir} is not a folder`, { data: { dir } });
  } catch (err) {
    if (err instanceof OciError) throw err;
    const code = (err as { code?: unknown }).code;
    throw new OciError(
      code === 'ENOENT' || code === 'ENOTDIR' ? ErrorCode.NOT_FOUND : ErrorCode.IO_ERROR,
      `no dir: image folder at ${dir}${code === 'ENOENT' ? ': the folder does not exist' : ''}`,
      { data: { dir }, cause: err },
    );
  }
  await checkVersionFile(join(dir, VERSION_FILE), dir);
  let top: TopDocument | undefined;

  const readTop = async (): Promise<TopDocument> => {
    top ??= parseTopDocument(
      await readSmallFile(join(dir, MANIFEST_FILE), MAX_MANIFEST_BYTES, 'the manifest'),
    );
    return top;
  };

  return {
    name: `dir:${dir}`,
    dir,
    async resolve(options?: OperationOptions): Promise<Descriptor> {
      options?.signal?.throwIfAborted();
      return descriptorOf(await readTop());
    },
    async manifest(descriptor: Descriptor, options?: OperationOptions): Promise<TopDocument> {
      options?.signal?.throwIfAborted();
      const first = await readTop();
      if (descriptor.digest === first.digest) return first;
      const path = manifestFile(dir, descriptor.digest);
      const bytes = await readSmallFile(path, MAX_MANIFEST_BYTES, 'the manifest');
      if (descriptor.size !== undefined && bytes.byteLength !== descriptor.size)
        throw sizeMismatch(descriptor, bytes.byteLength, bytes.byteLength > descriptor.size);
      const doc = parseTopDocument(bytes, { contentType: descriptor.mediaType });
      if (doc.digest !== descriptor.digest) throw digestMismatch(descriptor, doc.digest);
      return doc;
    },
    async blob(descriptor: Descriptor, options?: BlobOptions): Promise<Readable> {
      const { handle, size } = await openRegularFile(blobFile(dir, descriptor.digest));
      if (descriptor.size !== undefined && size !== descriptor.size) {
        await handle.close().catch(() => {});
        throw sizeMismatch(descriptor, size, size > descriptor.size);
      }
      // `end` is inclusive: one byte more than fstat gave lets the verifier see a file that grew.
      const raw = handle.createReadStream({ highWaterMark: 1 << 20, start: 0, end: size });
      const verified = pipeline(raw, verifyingStream(descriptor), () => {});
      return options?.signal === undefined ? verified : addAbortSignal(options.signal, verified);
    },
    async signatures(digest?: string): Promise<Buffer[]> {
      const found: Buffer[] = [];
      for (let n = 1; n <= MAX_SIGNATURES; n++) {
        try {
          found.push(
            await readSmallFile(signatureFile(dir, n, digest), MAX_SIGNATURE_BYTES, 'the signature'),
          );
        } catch (err) {
          if (err instanceof OciError && err.code === ErrorCode.NOT_FOUND) break;
          throw err;
        }
      }
      return found;
    },
    async close(): Promise<void> {},
  };
}
