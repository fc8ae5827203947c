/** Per-layer facts: sizes, DiffID and the history entry that made it (config.md "history"). */
import type { Image, Layer } from '../../image/types.ts';

/** What the layers page shows of one layer. */
export interface LayerSummary {
  index: number;
  digest: string;
  mediaType: string;
  /** The blob size, as the manifest lists it. */
  compressedSize: number;
  /** The size of the uncompressed tar, counted by streaming it. */
  uncompressedSize: number;
  diffId: string | undefined;
  /** The history entry of this layer: the n-th entry without `empty_layer` (config.md). */
  history: { created?: string; created_by?: string; comment?: string } | undefined;
}

async function countBytes(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let total = 0;
  for await (const chunk of stream) total += chunk.byteLength;
  return total;
}

/** Uncompressed sizes already counted, by layer digest (a blob's content never changes). */
const counted = new Map<string, number>();
const MAX_COUNTED = 4096;

async function uncompressedSize(layer: Layer): Promise<number> {
  const known = counted.get(layer.descriptor.digest);
  if (known !== undefined) return known;
  const size = await countBytes(await layer.uncompressed());
  if (counted.size >= MAX_COUNTED) counted.clear();
  counted.set(layer.descriptor.digest, size);
  return size;
}

/** The summaries of every layer of `image`, base first. */
export async function layerSummaries(image: Image): Promise<LayerSummary[]> {
  const config = (await image.config()).value;
  const history = (config.history ?? []).filter((h) => h.empty_layer !== true);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const out: LayerSummary[] = [];
  for (const [index, layer] of image.layers().entries()) {
    const h = history[index];
    out.push({
      index,
      digest: layer.descriptor.digest,
      mediaType: layer.descriptor.mediaType,
      compressedSize: layer.descriptor.size,
      uncompressedSize: await uncompressedSize(layer),
      diffId: diffIds[index],
      history:
        h === undefined ? undefined : { created: h.created, created_by: h.created_by, comment: h.comment },
    });
  }
  return out;
}
