/**
 * `append -f LAYER.tar[.gz|.zst]` (crane append's `-f`): a layer from a tarball. The file is read
 * once to learn its compression (from its bytes, not its name), its digest and its DiffID, and to
 * check that it is a tar archive at all (INVALID_ARCHIVE otherwise). A compressed tarball is the
 * layer blob as it is, digest and all; an uncompressed one is compressed as `compression` says
 * (`none` keeps it as it is). The sink verifies the digest again when it reads the file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  type CompressionKind,
  compressAndDigest,
  decompressAndDigest,
  mediaTypeFor,
} from '../../compress/index.ts';
import { ErrorCode, isOciError, OciError, toOciError } from '../../errors/index.ts';
import type { SpooledAppendedLayer } from '../../mutate/index.ts';
import { readTar } from '../../tar/index.ts';

/** Options for {@link layerFromTarball}. */
export interface TarballLayerOptions {
  /** How an uncompressed tarball is compressed (default gzip). */
  compression?: CompressionKind;
  /** Docker media types instead of OCI ones. */
  docker?: boolean;
  signal?: AbortSignal;
}

/** Reads every entry of a tar stream (INVALID_ARCHIVE when it is not one). */
async function checkTar(
  stream: AsyncIterable<Uint8Array>,
  file: string,
  signal?: AbortSignal,
): Promise<void> {
  try {
    // The reader reads each entry's stored bytes itself (a sparse file's holes are not expanded).
    for await (const _item of readTar(stream, { signal }));
  } catch (err) {
    if (isOciError(err) && err.code === ErrorCode.ABORTED) throw err;
    throw new OciError(ErrorCode.INVALID_ARCHIVE, `${file} is not a tar archive (nor a compressed one)`, {
      data: { file },
      cause: err,
    });
  }
}

/** A layer from the tarball `file`; call `dispose()` once the image is written. */
export async function layerFromTarball(
  file: string,
  options: TarballLayerOptions = {},
): Promise<SpooledAppendedLayer> {
  let digests: Awaited<ReturnType<typeof decompressAndDigest>['result']>;
  try {
    const { output, result } = decompressAndDigest(
      createReadStream(file, { highWaterMark: 1 << 20 }),
      options,
    );
    await checkTar(output, file, options.signal);
    digests = await result;
  } catch (err) {
    throw toOciError(err);
  }
  const asIs = digests.compression !== 'none' || options.compression === 'none';
  if (asIs) {
    return {
      descriptor: {
        mediaType: mediaTypeFor(digests.compression, { docker: options.docker }),
        digest: digests.digest,
        size: digests.size,
      },
      diffId: digests.diffId,
      open: () => createReadStream(file, { highWaterMark: 1 << 20 }),
      dispose: async () => {},
    };
  }
  const compression = options.compression ?? 'gzip';
  const spoolDir = await mkdtemp(join(tmpdir(), 'ocikit-append-'));
  const spooled = join(spoolDir, 'layer');
  try {
    const { output, result } = compressAndDigest(
      createReadStream(file, { highWaterMark: 1 << 20 }),
      compression,
      {
        signal: options.signal,
      },
    );
    await pipeline(output, createWriteStream(spooled), { signal: options.signal });
    const compressed = await result;
    if (compressed.diffId !== digests.diffId)
      throw new OciError(ErrorCode.DIGEST_MISMATCH, `${file} changed while it was read`, { data: { file } });
    return {
      descriptor: {
        mediaType: mediaTypeFor(compression, { docker: options.docker }),
        digest: compressed.digest,
        size: compressed.size,
      },
      diffId: compressed.diffId,
      open: () => createReadStream(spooled, { highWaterMark: 1 << 20 }),
      dispose: () => rm(spoolDir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(spoolDir, { recursive: true, force: true });
    throw toOciError(err);
  }
}
