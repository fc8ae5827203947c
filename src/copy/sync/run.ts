/**
 * Running a sync plan: images copied in parallel through the copy engine, each blob sent once per
 * destination, images already at the destination (same manifest digest) skipped, each image's
 * copy retried as the caller's `retry` decides, and on failure either a stop (the others aborted)
 * or, with `keepGoing`, the rest copied and every failure reported at the end.
 */
import { ErrorCode, isOciError, OciError } from '../../errors/index.ts';
import { limiter } from '../../image/limit.ts';
import type { ImageSink, ImageSource } from '../../image/types.ts';
import type { Descriptor } from '../../spec/types.ts';
import type { TransportOptions } from '../../transports/index.ts';
import type { ImageFormat } from '../convert.ts';
import { type CopyResult, copyImage, DEFAULT_COPY_JOBS } from '../copy.ts';
import type { SyncItem } from './plan.ts';
import { semaphore } from './semaphore.ts';
import { type BlobLedger, sharingBlobs } from './shared-blobs.ts';

/** Images copied at once by default. */
export const DEFAULT_SYNC_IMAGES = 4;

/** What happened to one image. */
export type SyncOutcome =
  | { item: SyncItem; state: 'copied'; digest: string }
  | { item: SyncItem; state: 'skipped'; digest: string }
  | { item: SyncItem; state: 'planned' }
  | { item: SyncItem; state: 'failed'; error: unknown };

/** Options of {@link runSync}. */
export interface SyncOptions {
  /** Transport options of the destination. */
  destinationOptions: TransportOptions;
  /** Copy every platform of an index (skopeo's `--all`); else the host's platform. */
  allPlatforms?: boolean;
  /** Convert manifests to this format (skopeo's `--format`); default: the source's. */
  format?: ImageFormat;
  /**
   * Skip an image whose destination already holds the source's digest (default true). Off when
   * every image must be written again, e.g. to sign it.
   */
  skipUnchanged?: boolean;
  /** Called for each image to be copied, before anything is written; a throw fails that image. */
  prepare?: (item: SyncItem, source: ImageSource, top: Descriptor) => Promise<void>;
  /**
   * Called after an image is written, its source and sink still open (carrying signatures,
   * signing); a throw fails that image.
   */
  finish?: (step: SyncFinish) => Promise<void>;
  /** List what would be copied, write nothing. */
  dryRun?: boolean;
  /** Copy the other images when one fails; the failures are reported at the end. */
  keepGoing?: boolean;
  /** Images in flight at once (default {@link DEFAULT_SYNC_IMAGES}). */
  images?: number;
  /** Blob transfers in flight per image. */
  jobs?: number;
  /**
   * Runs each image's copy (`attempt`), trying it again as the caller decides (skopeo's
   * `--retry-times`); `retryable()` turns false once the image is written, so the steps after it
   * (signing) are never done twice. Default: one attempt.
   */
  retry?: <T>(
    attempt: () => Promise<T>,
    how: { retryable: () => boolean; signal: AbortSignal },
  ) => Promise<T>;
  signal?: AbortSignal;
  /** Called once per image as it settles. */
  onOutcome?: (outcome: SyncOutcome) => void;
}

/** What {@link SyncOptions.finish} is given. */
export interface SyncFinish {
  item: SyncItem;
  source: ImageSource;
  sink: ImageSink;
  /** The digest the source resolved to. */
  sourceDigest: string;
  result: CopyResult;
  signal: AbortSignal;
}

/** Opens sources and sinks by name (the transport table's functions). */
export interface SyncOpeners {
  openSource(name: string, options: TransportOptions): Promise<ImageSource>;
  openSink(name: string, options: TransportOptions): Promise<ImageSink>;
}

/** The destination a blob write lands in: the repository (registry), layout or folder. */
function scopeOf(destination: string): string {
  if (destination.startsWith('oci:')) return destination.slice(0, destination.lastIndexOf(':'));
  if (destination.startsWith('dir:')) return destination;
  return destination.replace(/[:@][^/]*$/, '');
}

/** The digest `name` holds at the destination, or undefined when it holds nothing readable there. */
async function existingDigest(
  name: string,
  open: SyncOpeners,
  options: TransportOptions,
  signal?: AbortSignal,
): Promise<string | undefined> {
  let source: ImageSource | undefined;
  try {
    source = await open.openSource(name, options);
    return (await source.resolve({ signal })).digest;
  } catch {
    return undefined;
  } finally {
    await source?.close().catch(() => {});
  }
}

/**
 * Copies every item of a plan and returns what happened to each, in plan order. Throws the first
 * failure (after aborting and settling the other copies) unless `keepGoing`; with it, a failure
 * is an outcome and the caller reports them. A dry run only resolves nothing and writes nothing.
 */
export async function runSync(
  items: readonly SyncItem[],
  open: SyncOpeners,
  options: SyncOptions,
): Promise<SyncOutcome[]> {
  if (options.dryRun) {
    const planned = items.map((item): SyncOutcome => ({ item, state: 'planned' }));
    for (const outcome of planned) options.onOutcome?.(outcome);
    return planned;
  }
  const controller = new AbortController();
  const outer = options.signal;
  if (outer?.aborted) controller.abort(outer.reason);
  outer?.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
  const signal = controller.signal;
  const ledger: BlobLedger = new Map();
  // Writes to one layout commit one after another: its index.json is read, changed and replaced.
  const commits = new Map<string, Promise<unknown>>();
  // An image holds its slot until it is written; the steps after the write (carrying and making
  // signatures) run beside the next image's copy, themselves at most as many at once.
  const concurrency = options.images ?? DEFAULT_SYNC_IMAGES;
  const slots = semaphore(concurrency);
  const finishing = limiter(concurrency);
  // What the destination holds is read where it is written: never through a pull mirror.
  const destinationReads: TransportOptions & { pullFromMirrors?: boolean } = {
    ...options.destinationOptions,
    pullFromMirrors: false,
  };
  let firstFailure: unknown;

  const copyOne = async (item: SyncItem, onWritten: () => void): Promise<SyncOutcome> => {
    signal.throwIfAborted();
    // What the destination holds is asked while the source opens and resolves: two round trips
    // at once instead of one after the other. The lookup never rejects; it settles on every path.
    const present =
      options.skipUnchanged !== false
        ? existingDigest(item.destination, open, destinationReads, signal)
        : Promise.resolve(undefined);
    let source: ImageSource;
    let top: Descriptor;
    try {
      source = await open.openSource(item.source, item.sourceOptions);
      try {
        top = await source.resolve({ signal });
      } catch (err) {
        await source.close();
        throw err;
      }
    } catch (err) {
      await present;
      throw err;
    }
    try {
      if ((await present) === top.digest) return { item, state: 'skipped', digest: top.digest };
      await options.prepare?.(item, source, top);
      const scope = scopeOf(item.destination);
      const sink = serialCommits(
        sharingBlobs(await open.openSink(item.destination, options.destinationOptions), ledger, scope),
        commits,
        scope,
      );
      try {
        const result = await copyImage(source, sink, {
          allPlatforms: options.allPlatforms === true,
          ...(options.format !== undefined ? { format: options.format } : {}),
          jobs: options.jobs ?? DEFAULT_COPY_JOBS,
          signal,
        });
        onWritten();
        const finish = options.finish;
        if (finish !== undefined)
          await finishing(() => finish({ item, source, sink, sourceDigest: top.digest, result, signal }));
        return { item, state: 'copied', digest: result.digest };
      } finally {
        await sink.close();
      }
    } finally {
      await source.close();
    }
  };

  const syncOne = async (item: SyncItem, onWritten: () => void): Promise<SyncOutcome> => {
    let written = false;
    const attempt = () =>
      copyOne(item, () => {
        written = true;
        onWritten();
      });
    return options.retry ? options.retry(attempt, { retryable: () => !written, signal }) : attempt();
  };

  const outcomes = await Promise.all(
    items.map(async (item): Promise<SyncOutcome> => {
      const release = await slots.acquire();
      let outcome: SyncOutcome;
      try {
        outcome = await syncOne(item, release);
      } catch (error) {
        if (firstFailure === undefined && !isAbortOf(error, signal)) {
          firstFailure = error;
          if (!options.keepGoing) controller.abort();
        }
        outcome = { item, state: 'failed', error };
      } finally {
        release();
      }
      options.onOutcome?.(outcome);
      return outcome;
    }),
  );
  if (outer?.aborted) throw new OciError(ErrorCode.ABORTED, 'sync aborted');
  if (!options.keepGoing && firstFailure !== undefined) throw firstFailure;
  return outcomes;
}

/** True for an abort this sync caused itself (after another image failed). */
function isAbortOf(error: unknown, signal: AbortSignal): boolean {
  return (
    signal.aborted &&
    (isOciError(error, ErrorCode.ABORTED) || (error instanceof Error && error.name === 'AbortError'))
  );
}

/** `sink` whose commit waits for the previous commit to the same scope. */
function serialCommits(sink: ImageSink, chain: Map<string, Promise<unknown>>, scope: string): ImageSink {
  return new Proxy(sink, {
    get(target, property, receiver) {
      if (property === 'commit') {
        return (...args: Parameters<ImageSink['commit']>) => {
          const previous = chain.get(scope) ?? Promise.resolve();
          const next = previous.catch(() => {}).then(() => target.commit(...args));
          chain.set(scope, next);
          return next;
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
