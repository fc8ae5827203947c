/**
 * A verified blob body that survives broken connections: when the stream fails part-way, it asks
 * for the rest with `Range: bytes=N-` (RFC 9110 §14.2) and continues from the byte offset already
 * delivered. Hand-written as one Readable (rather than a generator piped through a verifying
 * Transform) because it is the pull hot path: one stream hop instead of three, about 30% faster.
 */
import { Readable } from 'node:stream';
import { type Expected, Verifier } from '../../digest/index.ts';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { isNetworkFailure, networkError } from './errors.ts';
import { backoffDelay, type RetryPolicy, waitOrAbort } from './retry.ts';

/** Opens the blob from byte `offset` (> 0): the remaining bytes, starting exactly at `offset`. */
export type RangeOpener = (offset: number, signal?: AbortSignal) => Promise<Readable>;

/** Options of {@link ResumingBlobStream}. */
export interface ResumingOptions {
  policy: RetryPolicy;
  /** What error messages call the blob (its digest). */
  label: string;
  signal?: AbortSignal | undefined;
}

/**
 * Streams `first`, verifying every byte against `expected` (SIZE_MISMATCH as soon as there are
 * too many, DIGEST_MISMATCH or SIZE_MISMATCH instead of `end`); after a network failure it
 * re-opens from the offset reached, at most `policy.attempts - 1` times.
 */
export class ResumingBlobStream extends Readable {
  private body: Readable;
  private readonly open: RangeOpener;
  private readonly verifier: Verifier;
  private readonly options: ResumingOptions;
  private offset = 0;
  private resumes = 0;

  constructor(first: Readable, open: RangeOpener, expected: Expected, options: ResumingOptions) {
    super({ highWaterMark: 1 << 20 });
    this.open = open;
    this.verifier = new Verifier(expected);
    this.options = options;
    this.body = first;
    this.attach(first);
    // Nothing flows until the consumer reads: a body that ended (and failed verification) before
    // anyone listened would raise an 'error' event nobody handles.
    first.pause();
  }

  override _read(): void {
    this.body.resume();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.body.destroy();
    callback(err);
  }

  private attach(body: Readable): void {
    body.on('data', (chunk: Buffer) => {
      if (body !== this.body || this.destroyed) return;
      try {
        this.verifier.update(chunk);
      } catch (err) {
        this.destroy(err as Error);
        return;
      }
      this.offset += chunk.byteLength;
      if (!this.push(chunk)) body.pause();
    });
    body.once('end', () => {
      if (body !== this.body || this.destroyed) return;
      try {
        this.verifier.finish();
      } catch (err) {
        this.destroy(err as Error);
        return;
      }
      this.push(null);
    });
    body.once('error', (err) => {
      if (body !== this.body || this.destroyed) return;
      void this.recover(err);
    });
  }

  private async recover(err: unknown): Promise<void> {
    const { policy, signal, label } = this.options;
    if (signal?.aborted) {
      this.destroy(networkError(err, 'GET', label, signal));
      return;
    }
    if (!isNetworkFailure(err) || this.resumes + 1 >= policy.attempts) {
      const wrapped = networkError(err, 'GET', label);
      const brokeOff = wrapped.code === ErrorCode.NETWORK_ERROR && !(err instanceof OciError);
      const data = { offset: this.offset, resumes: this.resumes };
      const message = `download of ${label} broke off after ${this.offset} bytes`;
      this.destroy(
        brokeOff
          ? new OciError(ErrorCode.NETWORK_ERROR, message, { cause: err, data, retryable: true })
          : wrapped,
      );
      return;
    }
    this.resumes++;
    try {
      await waitOrAbort(backoffDelay(policy, this.resumes), signal);
      if (this.destroyed) return;
      const next = await this.open(this.offset, signal);
      if (this.destroyed) {
        next.destroy();
        return;
      }
      this.body = next;
      this.attach(next);
    } catch (failure) {
      this.destroy(failure as Error);
    }
  }
}

/**
 * Checks a 206 answer to `Range: bytes=OFFSET-`: the `Content-Range` must start at `offset`
 * (RFC 9110 §14.4), else resuming would splice the wrong bytes.
 */
export function checkContentRange(contentRange: string | undefined, offset: number, label: string): void {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange?.trim() ?? '');
  if (!match || Number(match[1]) !== offset) {
    throw new OciError(
      ErrorCode.REGISTRY_ERROR,
      `resuming ${label} at byte ${offset}: unusable Content-Range`,
      {
        data: { offset, contentRange: contentRange ?? null },
      },
    );
  }
}
