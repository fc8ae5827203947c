/**
 * Re-compresses a layer for a copy that changes compression. The new digest is only known at the
 * end, while sinks verify before storing, so the output is spooled to a temp file (memory stays
 * flat) and then handed to the sink with its final descriptor.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Hasher } from '../digest/index.ts';
import type { Descriptor } from '../spec/index.ts';
import type { Compression } from './convert.ts';

/** A layer spooled to disk in its new compression. */
export interface SpooledLayer {
  descriptor: Descriptor;
  /** Opens the spooled bytes. */
  open(): Readable;
  /** Removes the spool file. */
  dispose(): Promise<void>;
}

/** Decompresses `input` (compression sniffed), re-compresses it as `compression`, and spools it. */
export async function spoolRecompressed(
  input: Readable,
  compression: Compression,
  mediaType: string,
  signal?: AbortSignal,
): Promise<SpooledLayer> {
  // Loaded here, not at the top: most copies never re-compress, and the codecs take time to load.
  const { compressStream, decompressStream } = await import('../compress/index.ts');
  const dir = await mkdtemp(join(tmpdir(), 'ocikit-layer-'));
  const file = join(dir, 'blob');
  const hasher = new Hasher();
  try {
    await pipeline(
      input,
      decompressStream(),
      compressStream(compression),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hasher.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(file),
      { signal },
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    descriptor: { mediaType, digest: hasher.digest(), size: hasher.size },
    open: () => createReadStream(file, { highWaterMark: 1 << 20 }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
