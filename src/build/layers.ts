/**
 * The layers a stage is made of, wherever they live: a base image's source (a registry, a
 * layout, an archive) or the build cache. Each opens its verified blob on demand, so nothing is
 * fetched that no step needs.
 */
import type { Readable } from 'node:stream';
import { decompressStream } from '../compress/decompress.ts';
import type { Digest } from '../digest/index.ts';
import type { OperationOptions } from '../image/types.ts';
import type { Descriptor } from '../spec/index.ts';

/** One layer of a stage: its blob descriptor, its DiffID, and how to read the blob. */
export interface LayerRef {
  readonly descriptor: Descriptor;
  readonly diffId: Digest;
  /** Opens the (compressed) blob, verified against the descriptor. */
  open(options?: OperationOptions): Promise<Readable>;
}

/** The uncompressed tar stream of a layer (compression sniffed from the bytes). */
export async function openUncompressed(layer: LayerRef, options: OperationOptions = {}): Promise<Readable> {
  const blob = await layer.open(options);
  const out = decompressStream(options.signal === undefined ? {} : { signal: options.signal });
  blob.on('error', (err) => out.destroy(err));
  return blob.pipe(out);
}
