/**
 * A new layer from a directory: the tar is built reproducibly, compressed, and its DiffID and
 * blob digest are computed in the same pass while the blob is spooled to a temp file (a sink
 * verifies the digest before storing, so the digest must be known before the upload).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type CompressionKind, compressAndDigest, mediaTypeFor } from '../compress/index.ts';
import { createLayer } from '../tar/index.ts';
import type { AppendedLayer } from './mutate.ts';

/** Options for {@link layerFromDirectory}. */
export interface LayerFromDirectoryOptions {
  compression?: CompressionKind;
  /** Use Docker media types instead of OCI ones. */
  docker?: boolean;
  /** Clamp every mtime to this time (seconds since the epoch); default SOURCE_DATE_EPOCH when set. */
  timestamp?: number;
  /** Worker threads for gzip. */
  threads?: number;
  /** Called for what is left out rather than failed (extended attributes without getfattr). */
  onWarning?: (message: string) => void;
  signal?: AbortSignal;
}

/** A spooled layer that must be disposed once written. */
export interface SpooledAppendedLayer extends AppendedLayer {
  dispose(): Promise<void>;
}

/** Builds a layer from `dir` and spools it; call `dispose()` after the image is written. */
export async function layerFromDirectory(
  dir: string,
  options: LayerFromDirectoryOptions = {},
): Promise<SpooledAppendedLayer> {
  const compression = options.compression ?? 'gzip';
  const spoolDir = await mkdtemp(join(tmpdir(), 'ocikit-append-'));
  const file = join(spoolDir, 'layer');
  try {
    const epoch = process.env.SOURCE_DATE_EPOCH;
    const timestamp = options.timestamp ?? (epoch && /^[0-9]+$/.test(epoch) ? Number(epoch) : undefined);
    // Aborting stops the walk and the compressor, and the spool folder goes with them.
    const layer = createLayer(dir, { timestamp, onWarning: options.onWarning, signal: options.signal });
    const { output, result } = compressAndDigest(layer, compression, {
      threads: options.threads,
      signal: options.signal,
    });
    await pipeline(output, createWriteStream(file), { signal: options.signal });
    const digests = await result;
    return {
      descriptor: {
        mediaType: mediaTypeFor(compression, { docker: options.docker }),
        digest: digests.digest,
        size: digests.size,
      },
      diffId: digests.diffId,
      open: () => createReadStream(file, { highWaterMark: 1 << 20 }),
      dispose: () => rm(spoolDir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(spoolDir, { recursive: true, force: true });
    throw err;
  }
}
