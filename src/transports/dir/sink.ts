/**
 * The write side of the `dir:` transport (skopeo's folder format, see format.ts). Everything is
 * written into a staging folder beside the destination and swapped in by rename at commit, so a
 * failed copy leaves the destination as it was. As containers/image does, a destination folder
 * that already holds a `dir:` image is replaced (one image per folder), and a non-empty folder
 * that is not a `dir:` image is refused before anything is written.
 */
import { chmod, lstat, mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Digest } from '../../digest/index.ts';
import { Verifier } from '../../digest/index.ts';
import { ErrorCode, OciError, toOciError } from '../../errors/index.ts';
import type { BlobOptions, ImageSink, OperationOptions } from '../../image/types.ts';
import type { Descriptor, TopDocument } from '../../spec/index.ts';
import { fsyncDirectory, writeFileAtomic } from '../../store/atomic-write.ts';
import { tempName } from '../../store/temp-names.ts';
import { blobFile, DIR_VERSION, manifestFile, signatureFile, VERSION_FILE } from './format.ts';
import { checkVersionFile } from './read.ts';

/** A `dir:` sink, which can also store simple-signing signatures beside the image. */
export interface DirSink extends ImageSink {
  /** The destination folder. */
  readonly dir: string;
  /**
   * Stores `signatures` (raw bytes, in order) as `signature-1`, … of the top manifest, or of the
   * child manifest `digest`; after commit they are written into the destination atomically.
   */
  putSignatures(signatures: readonly Uint8Array[], digest?: string): Promise<void>;
}

/** Throws unless `dir` is absent, empty, or a `dir:` image folder that may be replaced. */
async function checkDestination(dir: string): Promise<boolean> {
  let exists = true;
  try {
    const info = await stat(dir);
    if (!info.isDirectory())
      throw new OciError(ErrorCode.ALREADY_EXISTS, `${dir} exists and is not a folder`, { data: { dir } });
  } catch (err) {
    if (err instanceof OciError) throw err;
    if ((err as { code?: unknown }).code !== 'ENOENT') throw toOciError(err);
    exists = false;
  }
  if (!exists) return false;
  if ((await readdir(dir)).length === 0) return true;
  try {
    await checkVersionFile(join(dir, VERSION_FILE), dir);
  } catch (err) {
    throw new OciError(
      ErrorCode.ALREADY_EXISTS,
      `${dir} is a non-empty folder that is not a dir: image; refusing to overwrite it`,
      { data: { dir }, cause: err },
    );
  }
  return true;
}

/**
 * Writes `signatures` (raw bytes, in order) into the `dir:` image folder `dir` as `signature-1`,
 * `signature-2`, … of its top manifest, or of the child manifest `digest`; each file atomically.
 */
export async function writeDirSignatures(
  dir: string,
  signatures: readonly Uint8Array[],
  digest?: string,
): Promise<void> {
  for (const [i, bytes] of signatures.entries())
    await writeFileAtomic(signatureFile(dir, i + 1, digest), bytes);
}

/** Opens the folder `dir` as a `dir:` destination (its parent folders are created when missing). */
export async function openDirSink(dir: string): Promise<DirSink> {
  const target = resolve(dir);
  const existed = await checkDestination(target);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(join(parent, `.${basename(target)}.ocikit-`));
  await chmod(staging, 0o755);
  const documents = new Map<string, TopDocument>();
  const pending: { signatures: readonly Uint8Array[]; digest?: string }[] = [];
  let committed = false;
  let closed = false;

  return {
    name: `dir:${dir}`,
    dir,
    async hasBlob(descriptor: Descriptor): Promise<boolean> {
      try {
        const info = await lstat(blobFile(staging, descriptor.digest));
        return info.isFile() && (descriptor.size === undefined || info.size === descriptor.size);
      } catch {
        return false;
      }
    },
    async putBlob(descriptor: Descriptor, content: Readable, options?: BlobOptions): Promise<void> {
      const final = blobFile(staging, descriptor.digest);
      const temp = join(staging, tempName('.blob-'));
      let handle: Awaited<ReturnType<typeof open>> | undefined;
      try {
        handle = await open(temp, 'wx', 0o644);
        const verifier = new Verifier(descriptor);
        for await (const chunk of content as AsyncIterable<Buffer>) {
          options?.signal?.throwIfAborted();
          verifier.update(chunk);
          await handle.write(chunk);
          options?.onProgress?.({
            digest: descriptor.digest,
            mediaType: descriptor.mediaType,
            total: descriptor.size,
            done: verifier.size,
            state: 'progress',
          });
        }
        verifier.finish();
        await handle.sync();
        await handle.close();
        handle = undefined;
        await rename(temp, final);
      } catch (err) {
        content.destroy();
        await handle?.close().catch(() => {});
        await rm(temp, { force: true });
        throw toOciError(err);
      }
    },
    async putManifest(document: TopDocument): Promise<void> {
      documents.set(document.digest, document);
    },
    async commit(
      top: TopDocument,
      options?: OperationOptions,
    ): Promise<{ reference: string; digest: Digest }> {
      options?.signal?.throwIfAborted();
      for (const doc of documents.values()) {
        if (doc.digest !== top.digest) await writeFileAtomic(manifestFile(staging, doc.digest), doc.bytes);
      }
      await writeFileAtomic(manifestFile(staging), top.bytes);
      for (const { signatures, digest } of pending.splice(0))
        await writeDirSignatures(staging, signatures, digest);
      await writeFileAtomic(join(staging, VERSION_FILE), Buffer.from(DIR_VERSION));
      await fsyncDirectory(staging);
      await swapIn(staging, target, existed);
      await fsyncDirectory(parent);
      committed = true;
      return { reference: `dir:${dir}`, digest: top.digest };
    },
    async putSignatures(signatures: readonly Uint8Array[], digest?: string): Promise<void> {
      if (committed) await writeDirSignatures(target, signatures, digest);
      else pending.push({ signatures, digest });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      if (!committed) await rm(staging, { recursive: true, force: true });
    },
  };
}

/**
 * Puts the finished `staging` folder at `target`: a previous image folder is renamed aside first
 * and removed once the new one is in place (put back if the second rename fails).
 */
async function swapIn(staging: string, target: string, existed: boolean): Promise<void> {
  if (!existed) {
    await rename(staging, target);
    return;
  }
  const aside = join(dirname(target), tempName(`.${basename(target)}.old-`));
  await rename(target, aside);
  try {
    await rename(staging, target);
  } catch (err) {
    await rename(aside, target).catch(() => {});
    throw toOciError(err);
  }
  await rm(aside, { recursive: true, force: true });
}
