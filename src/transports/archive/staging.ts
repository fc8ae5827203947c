/**
 * A private scratch directory where an archive sink collects verified blobs before it writes the
 * archive. Blobs are written to a temp name while hashed and renamed to `blobs/<alg>/<hex>` only
 * after their digest and size match (DESIGN.md §1.3).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Expected, parseSupportedDigest, Verifier, verifyBytes } from '../../digest/index.ts';
import { toOciError } from '../../errors/index.ts';

/** A scratch blob directory owned by one sink. */
export class Staging {
  /** The scratch directory. */
  readonly dir: string;
  private readonly stored = new Map<string, { path: string; size: number }>();
  private counter = 0;
  private disposed = false;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates a scratch directory under `parent` (default: the system temp directory). */
  static async create(parent: string = tmpdir()): Promise<Staging> {
    return new Staging(await mkdtemp(join(parent, 'ocikit-archive-')));
  }

  /** True when a blob with that digest is stored. */
  has(digest: string): boolean {
    return this.stored.has(digest);
  }

  /** Where a stored blob is, and its size. */
  get(digest: string): { path: string; size: number } | undefined {
    return this.stored.get(digest);
  }

  /** Every stored digest. */
  digests(): string[] {
    return [...this.stored.keys()];
  }

  /** A fresh temp file name in the scratch directory. */
  tempPath(): string {
    return join(this.dir, `tmp-${process.pid}-${++this.counter}`);
  }

  /** Final path of a blob (digest validated before it becomes a path). */
  blobPath(digest: string): string {
    const { algorithm, encoded } = parseSupportedDigest(digest);
    return join(this.dir, 'blobs', algorithm, encoded);
  }

  /** Stores a stream, verified against `expected` while written; `onProgress` gets the bytes so far. */
  async putStream(
    expected: Expected & { size: number },
    content: Readable,
    options: { signal?: AbortSignal; onProgress?: ((done: number) => void) | undefined } = {},
  ): Promise<void> {
    const target = this.blobPath(expected.digest);
    const temp = this.tempPath();
    const verifier = new Verifier(expected);
    const onProgress = options.onProgress;
    async function* verified(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
      for await (const chunk of source) {
        verifier.update(chunk);
        onProgress?.(verifier.size);
        yield chunk;
      }
      verifier.finish();
    }
    try {
      await pipeline(content, verified, createWriteStream(temp), { signal: options.signal });
      await this.publish(temp, target, expected.digest, expected.size);
    } catch (err) {
      await rm(temp, { force: true });
      throw toOciError(err);
    }
  }

  /** Stores bytes, verified against `expected`. */
  async putBytes(expected: Expected, bytes: Uint8Array): Promise<void> {
    verifyBytes(bytes, expected);
    if (this.has(expected.digest)) return;
    const temp = this.tempPath();
    await writeFile(temp, bytes);
    await this.publish(temp, this.blobPath(expected.digest), expected.digest, bytes.byteLength);
  }

  /** Moves an already verified temp file into place as `digest`. */
  async publish(temp: string, target: string, digest: string, size: number): Promise<void> {
    await mkdir(join(target, '..'), { recursive: true });
    await rename(temp, target);
    this.stored.set(digest, { path: target, size });
  }

  /** Removes the scratch directory. Idempotent. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await rm(this.dir, { recursive: true, force: true });
  }
}
