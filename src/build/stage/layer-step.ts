/**
 * A step that may write a layer (COPY, ADD, WORKDIR), run through the cache: the local cache,
 * then the cache repository, and only then the work itself, whose result is recorded under the
 * step's key. A step whose layer would hold nothing writes no layer.
 */
import type { Readable } from 'node:stream';
import type { LayerRef } from '../layers.ts';
import type { RootfsTree } from '../rootfs/tree.ts';
import type { BuildSession, PlatformRun } from '../session.ts';
import type { StageState } from './state.ts';

/** What the work of a layer step produced. */
export interface LayerWork {
  readonly layer?: LayerRef;
  /** The stage's tree with the layer's entries applied, when the work kept it current. */
  readonly tree?: RootfsTree;
}

/** What a layer step did. */
export interface LayerStepResult {
  readonly layer?: LayerRef;
  readonly cached: boolean;
}

/**
 * Starts compressing a layer of the image being written while the next steps run (the gzip
 * workers are otherwise idle while the main thread builds a tar); the output joins it later.
 */
function startCompression(run: PlatformRun, state: StageState, layer: LayerRef | undefined): void {
  if (layer === undefined || !run.output.has(state.index)) return;
  const { session } = run;
  const work = session.cache
    .compressedLayer(layer, state.platform, { signal: session.signal })
    .catch(() => {});
  session.background.add(work);
  void work.finally(() => session.background.delete(work));
}

/** Runs a layer step keyed `key`: served from the cache when it can be, else `work()`; the stage gains the layer. */
export async function layerStep(
  run: PlatformRun,
  state: StageState,
  key: string,
  work: () => Promise<LayerWork>,
): Promise<LayerStepResult> {
  const { session } = run;
  if (!session.noCache) {
    let hit = await session.cache.lookup(key);
    if (
      hit === undefined &&
      session.remote !== undefined &&
      (await session.remote.fetch(key, { signal: session.signal }))
    ) {
      hit = await session.cache.lookup(key);
    }
    if (hit !== undefined) {
      if (hit.layer !== undefined) state.fs.push(hit.layer);
      startCompression(run, state, hit.layer);
      return { ...(hit.layer !== undefined ? { layer: hit.layer } : {}), cached: true };
    }
  }
  const result = await work();
  await session.cache.record(key, result.layer === undefined ? {} : { layer: result.layer }, state.platform);
  session.computed.push({ key, platform: state.platform });
  if (result.layer !== undefined) state.fs.push(result.layer, result.tree);
  startCompression(run, state, result.layer);
  return { ...(result.layer !== undefined ? { layer: result.layer } : {}), cached: false };
}

/**
 * Stores the tar of `entries` in the cache; undefined when there were no entries (the step then
 * writes no layer). `tar` turns the counted entries into the byte stream.
 */
export async function storeEntries<T>(
  session: BuildSession,
  entries: Iterable<T>,
  tar: (entries: Iterable<T>) => Readable,
): Promise<LayerRef | undefined> {
  let count = 0;
  const counted = (function* () {
    for (const entry of entries) {
      count++;
      yield entry;
    }
  })();
  const layer = await session.cache.storeLayer(tar(counted), { signal: session.signal });
  return count === 0 ? undefined : layer;
}
