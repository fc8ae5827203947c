/** Per-layer facts: sizes, DiffID and the history entry that made it (config.md "history"). */
import type { Image } from '../../image/types.ts';
import { uncompressedSizeOf } from './listing.ts';

/** What the layers page shows of one layer. */
export interface LayerSummary {
  index: number;
  digest: string;
  mediaType: string;
  /** The blob size, as the manifest lists it. */
  compressedSize: number;
  /** The size of the uncompressed tar, counted by streaming it once (then kept with its listing). */
  uncompressedSize: number;
  diffId: string | undefined;
  /** The history entry of this layer: the n-th entry without `empty_layer` (config.md). */
  history: { created?: string; created_by?: string; comment?: string } | undefined;
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
      uncompressedSize: await uncompressedSizeOf(layer),
      diffId: diffIds[index],
      history:
        h === undefined ? undefined : { created: h.created, created_by: h.created_by, comment: h.comment },
    });
  }
  return out;
}
