/** Carrying the simple-signing signatures of a `dir:` folder (`signature-N`) along a copy. */
import type { ImageSink, ImageSource } from '../../image/types.ts';
import type { TopDocument } from '../../spec/index.ts';
import type { DirSink } from './sink.ts';
import type { DirSource } from './source.ts';

function isDirSource(source: ImageSource): source is DirSource {
  return typeof (source as Partial<DirSource>).signatures === 'function';
}

function isDirSink(sink: ImageSink): sink is DirSink {
  return typeof (sink as Partial<DirSink>).putSignatures === 'function';
}

/**
 * Copies the signatures a `dir:` source holds for the top document (and, for an index, for each
 * child manifest) into a `dir:` sink, after the copy committed `written`. Only when the copy kept
 * the digest (`sourceDigest`): a signature signs one manifest digest. Returns how many were
 * copied; 0 when either side is not `dir:`.
 */
export async function carryDirSignatures(
  source: ImageSource,
  sink: ImageSink,
  sourceDigest: string,
  written: TopDocument,
): Promise<number> {
  if (!isDirSource(source) || !isDirSink(sink) || written.digest !== sourceDigest) return 0;
  let copied = 0;
  const top = await source.signatures();
  if (top.length > 0) await sink.putSignatures(top);
  copied += top.length;
  if (written.kind === 'index') {
    for (const child of new Set(written.value.manifests.map((m) => m.digest))) {
      const found = await source.signatures(child);
      if (found.length > 0) await sink.putSignatures(found, child);
      copied += found.length;
    }
  }
  return copied;
}
