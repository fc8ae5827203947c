/**
 * The default home of a step's layer: the tar compressed with the project's deterministic gzip
 * into a temp folder, its DiffID and blob digest computed in the same pass, so the same changes
 * always give the same blob.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { compressAndDigest } from '../../compress/digesting.ts';
import { OCI } from '../../spec/index.ts';
import type { SpooledRunLayer } from './types.ts';

/** Compresses `tar` into a new folder under `parent`; `dispose()` removes it. */
export async function spoolLayer(
  tar: Readable,
  parent: string,
  signal?: AbortSignal,
): Promise<SpooledRunLayer> {
  const dir = mkdtempSync(join(parent, 'layer-'));
  const file = join(dir, 'blob');
  try {
    const { output, result } = compressAndDigest(tar, 'gzip', signal === undefined ? {} : { signal });
    if (signal === undefined) await pipeline(output, createWriteStream(file));
    else await pipeline(output, createWriteStream(file), { signal });
    const digests = await result;
    return {
      descriptor: { mediaType: OCI.layerGzip, digest: digests.digest, size: digests.size },
      diffId: digests.diffId,
      uncompressedSize: digests.uncompressedSize,
      open: () => createReadStream(file, { highWaterMark: 1 << 20 }),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
