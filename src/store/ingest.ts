/**
 * Ingest: the only way bytes enter a layout (DESIGN.md §1.3). The stream goes to a temp file
 * inside the layout, hashed while written, fsynced, verified, and only then renamed to
 * `blobs/<alg>/<hex>`. Hand-written because it is the hot path: writes are batched to 1 MiB
 * (writev, no copying) and the hash is fed the same batches, which keeps sha256 at full speed.
 * Content that verifies itself (verified-stream.ts, e.g. a registry blob stream) is counted, not
 * hashed again: it errors instead of ending unless its bytes match, so it is still verified first.
 */
import type { Stats } from 'node:fs';
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
import { BLOBS_DIR, INGEST_DIR, parsedBlobPath } from './blob-path.ts';
import { chunksOf } from './chunks.ts';
import { createInIngestDir } from './ingest-dir.ts';
import { ensureBlobDir, entryKind, lstatEntry, notRegularFile } from './safe-file.ts';
import { tempName } from './temp-names.ts';
import { verifiesItself } from './verified-stream.ts';

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
  let ingestDir = false;
  const dir = join(root, INGEST_DIR);
  try {
    parsed = expected.digest === undefined ? undefined : parseSupportedDigest(expected.digest);
    const present = await presentEntries(root, dir, parsed);
    if (parsed !== undefined && present.blobSize !== undefined) {
      if (expected.size === undefined || present.blobSize === expected.size) {
        discard(content);
        return { digest: parsed.digest, size: present.blobSize };
      }
    }
    // Each folder written into must be a real directory: a symlinked one would send the bytes
    // (and the rename) out of the layout. presentEntries has lstat'ed them; create what is missing.
    if (!present.ingestDir && !present.blobsDir) await mkdir(root, { recursive: true });
    ingestDir = present.ingestDir;
  } catch (err) {
    discard(content);
    throw toOciError(err);
  }
  const temp = join(dir, tempName());
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let writing: Promise<void> | undefined;
  try {
    handle = await createInIngestDir(root, () => open(temp, 'wx', 0o644), { present: ingestDir });
    const sink = new Digesting(
      expected,
      parsed,
      verifiesItself(content, parsed?.digest ?? '', expected.size),
    );
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const file = handle;
    for await (const chunk of chunksOf(content)) {
      options.signal?.throwIfAborted();
      const buffer = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      sink.update(buffer);
      batch.push(buffer);
      batchBytes += buffer.byteLength;
      if (batchBytes >= HASH_CHUNK) {
        // One write in flight while the next batch is read and hashed: waiting for each write
        // before reading on stalled the download (measured: a 4-layer pull 15% slower).
        await writing;
        const written = sink.size;
        writing = file.writev(batch).then(() => options.onProgress?.(written));
        writing.catch(() => {});
        batch = [];
        batchBytes = 0;
      }
    }
    await writing;
    if (batchBytes > 0) await handle.writev(batch);
    options.onProgress?.(sink.size);
    await handle.sync();
    await handle.close();
    handle = undefined;
    const info = sink.finish();
    const final = parseSupportedDigest(info.digest);
    // Checked again after the write, which may have taken long: the folders could have changed.
    const blobDir = await ensureBlobDir(root, final.algorithm);
    await rename(temp, parsedBlobPath(root, final));
    await fsyncDirectoryCoalesced(blobDir);
    return info;
  } catch (err) {
    discard(content);
    // The handle is closed only once no write is running on it.
    await writing?.catch(() => {});
    await handle?.close().catch(() => {});
    await rm(temp, { force: true });
    throw toOciError(err);
  }
}

/**
 * Hashes with the expected digest's algorithm, enforcing the size as bytes arrive. For content that
 * verifies itself against exactly the expected digest and size (see verified-stream.ts) it only
 * counts: the content errors rather than ends on a digest mismatch, and the count catches bytes
 * that did not all pass through here.
 */
class Digesting {
  private readonly verifier: Verifier | undefined;
  private readonly hasher: Hasher | undefined;
  private readonly expected: IngestExpectation;
  private readonly trusted: SupportedDigest | undefined;
  private counted = 0;

  constructor(expected: IngestExpectation, parsed: SupportedDigest | undefined, selfVerifying: boolean) {
    this.expected = expected;
    if (parsed !== undefined && selfVerifying && expected.size !== undefined) this.trusted = parsed;
    else if (parsed === undefined) this.hasher = new Hasher(expected.algorithm ?? 'sha256');
    else this.verifier = new Verifier({ digest: parsed.digest, size: expected.size });
  }

  get size(): number {
    if (this.trusted !== undefined) return this.counted;
    return (this.verifier ?? (this.hasher as Hasher)).size;
  }

  update(chunk: Buffer): void {
    if (this.trusted !== undefined) {
      this.counted += chunk.byteLength;
      if (this.counted > (this.expected.size as number)) {
        throw sizeMismatch({ digest: this.trusted.digest, size: this.expected.size }, this.counted, true);
      }
      return;
    }
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
    if (this.trusted !== undefined) {
      if (this.counted !== this.expected.size) {
        throw sizeMismatch({ digest: this.trusted.digest, size: this.expected.size }, this.counted);
      }
      return { digest: this.trusted.digest, size: this.counted };
    }
    if (this.verifier !== undefined) return { digest: this.verifier.finish(), size: this.verifier.size };
    const hasher = this.hasher as Hasher;
    const digest: Digest = hasher.digest();
    if (this.expected.size !== undefined && hasher.size !== this.expected.size) {
      throw sizeMismatch({ digest, size: this.expected.size }, hasher.size);
    }
    return { digest, size: hasher.size };
  }
}

/** What of the ingest path already exists, from one round of parallel lstats. */
interface PresentEntries {
  /** `blobs/` is a real directory. */
  blobsDir: boolean;
  /** The ingest folder is a real directory. */
  ingestDir: boolean;
  /** The size of the stored blob, when `blobs/<alg>/<hex>` is a regular file under real folders. */
  blobSize: number | undefined;
}

/**
 * lstats `blobs/`, `blobs/<alg>/`, the blob and the ingest folder at once (they are independent
 * reads). A symlink or special file where a folder belongs is INVALID_LAYOUT; one in the blob's
 * place counts as absent (it is replaced).
 */
async function presentEntries(
  root: string,
  ingestDir: string,
  parsed: SupportedDigest | undefined,
): Promise<PresentEntries> {
  const blobs = join(root, BLOBS_DIR);
  const [blobsInfo, algInfo, blobInfo, ingestInfo] = await Promise.all([
    lstatEntry(blobs),
    parsed === undefined ? undefined : lstatEntry(join(blobs, parsed.algorithm)),
    parsed === undefined ? undefined : lstatEntry(parsedBlobPath(root, parsed)),
    lstatEntry(ingestDir),
  ]);
  const blobsDir = realDirectory(blobs, blobsInfo);
  const algDir = blobsDir && parsed !== undefined && realDirectory(join(blobs, parsed.algorithm), algInfo);
  return {
    blobsDir,
    ingestDir: realDirectory(ingestDir, ingestInfo),
    blobSize: algDir && blobInfo?.isFile() === true ? blobInfo.size : undefined,
  };
}

/** False when absent, true for a real directory, INVALID_LAYOUT for anything else (a symlink included). */
function realDirectory(path: string, info: Stats | undefined): boolean {
  if (info === undefined) return false;
  if (!info.isDirectory()) throw notRegularFile(path, entryKind(info), 'a directory');
  return true;
}

/** Per folder: the fsync running now, and the one queued to start after it. */
const directorySyncs = new Map<string, { running: Promise<void>; queued: Promise<void> | undefined }>();

/**
 * Fsyncs `dir` so a rename done before the call is durable, sharing fsyncs between concurrent
 * ingests: a call joins the fsync queued to start after the running one (which may have begun
 * before its rename, so it cannot count), and starts one itself when none is running.
 */
function fsyncDirectoryCoalesced(dir: string): Promise<void> {
  const state = directorySyncs.get(dir);
  if (state === undefined) {
    const running = fsyncDirectory(dir).finally(() => advance(dir));
    directorySyncs.set(dir, { running, queued: undefined });
    return running;
  }
  state.queued ??= state.running.then(() => fsyncDirectory(dir));
  return state.queued;
}

/** Moves the queued fsync of `dir` (if any) into the running slot once the running one is done. */
function advance(dir: string): void {
  const state = directorySyncs.get(dir);
  if (state?.queued === undefined) {
    directorySyncs.delete(dir);
    return;
  }
  const running = state.queued.finally(() => advance(dir));
  directorySyncs.set(dir, { running, queued: undefined });
}

function discard(content: Readable | AsyncIterable<Uint8Array>): void {
  const destroy = (content as Partial<Readable>).destroy;
  if (typeof destroy === 'function') destroy.call(content);
}
