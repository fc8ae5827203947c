/**
 * Ingest: the only way bytes enter a layout (DESIGN.md §1.3). The stream goes to a temp file
 * inside the layout, hashed while written, fsynced, verified, and only then renamed to
 * `blobs/<alg>/<hex>`. Hand-written because it is the hot path: writes are batched to 1 MiB
 * (writev, no copying) and the hash is fed the same batches, which keeps sha256 at full speed.
 */
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  type Digest,
  HASH_CHUNK,
  Hasher,
  type ParsedDigest,
  parseSupportedDigest,
  type SupportedAlgorithm,
  sizeMismatch,
  Verifier,
} from '../digest/index.ts';
import { toOciError } from '../errors/index.ts';
import { fsyncDirectory } from './atomic-write.ts';
import { INGEST_DIR, parsedBlobPath } from './blob-path.ts';
import { checkBlobDirs, ensureBlobDir, ensureRealDirectory, lstatEntry } from './safe-file.ts';
import { tempName } from './temp-names.ts';

type SupportedDigest = ParsedDigest & { algorithm: SupportedAlgorithm };

import type { BlobInfo, IngestExpectation, IngestOptions } from './types.ts';

/** Stores `content` in the layout at `root` (see {@link ContentStore.ingest}). */
export async function ingestBlob(
  root: string,
  content: Readable | AsyncIterable<Uint8Array>,
  expected: IngestExpectation = {},
  options: IngestOptions = {},
): Promise<BlobInfo> {
  let parsed: SupportedDigest | undefined;
  const dir = join(root, INGEST_DIR);
  try {
    parsed = expected.digest === undefined ? undefined : parseSupportedDigest(expected.digest);
    if (parsed !== undefined) {
      const existing = await sizeOf(root, parsed);
      if (existing !== undefined && (expected.size === undefined || existing === expected.size)) {
        discard(content);
        return { digest: parsed.digest, size: existing };
      }
    }
    // Each folder written into must be a real directory: a symlinked one would send the bytes
    // (and the rename) out of the layout.
    await mkdir(root, { recursive: true });
    await ensureRealDirectory(dir);
  } catch (err) {
    discard(content);
    throw toOciError(err);
  }
  const temp = join(dir, tempName());
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(temp, 'wx', 0o644);
    const sink = new Digesting(expected, parsed);
    let batch: Buffer[] = [];
    let batchBytes = 0;
    for await (const chunk of content as AsyncIterable<Uint8Array>) {
      options.signal?.throwIfAborted();
      const buffer = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      sink.update(buffer);
      batch.push(buffer);
      batchBytes += buffer.byteLength;
      if (batchBytes >= HASH_CHUNK) {
        await handle.writev(batch);
        batch = [];
        batchBytes = 0;
        options.onProgress?.(sink.size);
      }
    }
    if (batchBytes > 0) await handle.writev(batch);
    options.onProgress?.(sink.size);
    await handle.sync();
    await handle.close();
    handle = undefined;
    const info = sink.finish();
    const final = parseSupportedDigest(info.digest);
    const blobDir = await ensureBlobDir(root, final.algorithm);
    await rename(temp, parsedBlobPath(root, final));
    await fsyncDirectory(blobDir);
    return info;
  } catch (err) {
    discard(content);
    await handle?.close().catch(() => {});
    await rm(temp, { force: true });
    throw toOciError(err);
  }
}

/** Hashes with the expected digest's algorithm, enforcing the size as bytes arrive. */
class Digesting {
  private readonly verifier: Verifier | undefined;
  private readonly hasher: Hasher | undefined;
  private readonly expected: IngestExpectation;

  constructor(expected: IngestExpectation, parsed: SupportedDigest | undefined) {
    this.expected = expected;
    if (parsed === undefined) this.hasher = new Hasher(expected.algorithm ?? 'sha256');
    else this.verifier = new Verifier({ digest: parsed.digest, size: expected.size });
  }

  get size(): number {
    return (this.verifier ?? (this.hasher as Hasher)).size;
  }

  update(chunk: Buffer): void {
    if (this.verifier !== undefined) {
      this.verifier.update(chunk);
      return;
    }
    const hasher = this.hasher as Hasher;
    hasher.update(chunk);
    if (this.expected.size !== undefined && hasher.size > this.expected.size) {
      throw sizeMismatch({ digest: 'unknown', size: this.expected.size }, hasher.size, true);
    }
  }

  finish(): BlobInfo {
    if (this.verifier !== undefined) return { digest: this.verifier.finish(), size: this.verifier.size };
    const hasher = this.hasher as Hasher;
    const digest: Digest = hasher.digest();
    if (this.expected.size !== undefined && hasher.size !== this.expected.size) {
      throw sizeMismatch({ digest, size: this.expected.size }, hasher.size);
    }
    return { digest, size: hasher.size };
  }
}

/** The size of a stored blob; a symlink or special file in its place counts as absent (it is replaced). */
async function sizeOf(root: string, parsed: SupportedDigest): Promise<number | undefined> {
  if (!(await checkBlobDirs(root, parsed.algorithm))) return undefined;
  const info = await lstatEntry(parsedBlobPath(root, parsed));
  return info?.isFile() === true ? info.size : undefined;
}

function discard(content: Readable | AsyncIterable<Uint8Array>): void {
  const destroy = (content as Partial<Readable>).destroy;
  if (typeof destroy === 'function') destroy.call(content);
}
