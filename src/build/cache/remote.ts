/**
 * A cache repository (`--cache-repo REF`, as Kaniko's): step results pushed to a registry as the
 * same small images the local cache holds, tagged `step-<key>`, so machines that share nothing
 * else share layers. A step missing locally is looked up there and, when found, copied into the
 * local cache first, its blobs verified against their digests and its layer against the DiffID
 * it claims (an entry that lies is dropped with a warning, and the step built); the steps a build
 * computed are pushed once the build has succeeded. An unreachable repository is one warning,
 * never a failed build: it is not asked again.
 */
import { copyImage } from '../../copy/index.ts';
import { ErrorCode, isOciError } from '../../errors/index.ts';
import type { OperationOptions } from '../../image/types.ts';
import { openSink, openSource, retag, type TransportOptions } from '../../transports/index.ts';
import { cacheTag } from './keys.ts';
import type { LocalCache } from './local.ts';

/** A cache repository in front of a local cache. */
export class RemoteCache {
  private readonly repo: string;
  private readonly transport: TransportOptions;
  private readonly local: LocalCache;
  private readonly warn: (message: string) => void;
  /** Set after the first failure other than a missing tag: the repository is left alone from then on. */
  private failed = false;

  constructor(repo: string, local: LocalCache, transport: TransportOptions, warn: (message: string) => void) {
    this.repo = repo;
    this.local = local;
    this.transport = transport;
    this.warn = warn;
  }

  private fail(err: unknown): void {
    if (isOciError(err, ErrorCode.ABORTED)) throw err;
    if (!this.failed) this.warn(`cache repository ${this.repo}: ${(err as Error).message}`);
    this.failed = true;
  }

  private localName(key: string): string {
    return `oci:${this.local.dir}:${cacheTag(key)}`;
  }

  /** Copies step `key` from the repository into the local cache; false when the repository lacks it. */
  async fetch(key: string, options: OperationOptions = {}): Promise<boolean> {
    if (this.failed) return false;
    let source: Awaited<ReturnType<typeof openSource>> | undefined;
    try {
      source = await openSource(await retag(this.repo, cacheTag(key)), this.transport);
      await source.resolve(options);
      const sink = await openSink(this.localName(key));
      try {
        await copyImage(source, sink, options);
      } finally {
        await sink.close();
      }
      const step = await this.local.lookup(key);
      if (
        step === undefined ||
        (step.layer !== undefined && !(await this.local.matchesDiffId(step.layer, options)))
      ) {
        await this.local.forget(key);
        this.warn(
          `cache repository ${this.repo}: ${cacheTag(key)} holds a layer that does not match its DiffID; the step is built again`,
        );
        return false;
      }
      return true;
    } catch (err) {
      if (isOciError(err, ErrorCode.NOT_FOUND)) return false;
      this.fail(err);
      return false;
    } finally {
      await source?.close();
    }
  }

  /** Pushes the steps `keys` from the local cache to the repository. */
  async push(keys: readonly string[], options: OperationOptions = {}): Promise<void> {
    for (const key of keys) {
      if (this.failed) return;
      const source = await openSource(this.localName(key));
      try {
        const sink = await openSink(await retag(this.repo, cacheTag(key)), this.transport);
        try {
          await copyImage(source, sink, options);
        } finally {
          await sink.close();
        }
      } catch (err) {
        this.fail(err);
      } finally {
        await source.close();
      }
    }
  }
}
