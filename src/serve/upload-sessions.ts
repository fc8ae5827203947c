/**
 * Blob upload sessions (spec.md "Pushing blobs": POST, PATCH chunks, PUT to close). Each session
 * owns a temp file inside its repository's layout (the store's ingest folder, named so the store's
 * gc sweeps it if the server dies), hashed as it is written. Closing it verifies the digest and
 * size and only then renames the file into `blobs/<alg>/<hex>`: nothing unverified becomes
 * visible. Sessions are bounded in number and expire when left idle.
 */
import { randomUUID } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Digest, digestFile, HASH_CHUNK, Hasher, parseSupportedDigest } from '../digest/index.ts';
import { fsyncDirectory } from '../store/atomic-write.ts';
import { INGEST_DIR, parsedBlobPath } from '../store/blob-path.ts';
import type { OciLayout } from '../store/index.ts';
import { createInIngestDir } from '../store/ingest-dir.ts';
import { ensureBlobDir } from '../store/safe-file.ts';
import { tempName } from '../store/temp-names.ts';
import { SpecCode, serveError } from './errors.ts';
import { bodyBytesReceived } from './young-gc.ts';

/** One open upload. */
export interface UploadSession {
  readonly id: string;
  readonly name: string;
  readonly layout: OciLayout;
  readonly path: string;
  /** Bytes received so far. */
  size: number;
  lastUsed: number;
  /** A request is writing to it now (a second one is refused). */
  busy: boolean;
  handle: FileHandle;
  hasher: Hasher;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The open upload sessions of one server. */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();
  private readonly max: number;
  private readonly timeoutMs: number;
  private readonly timer: NodeJS.Timeout;

  /** At most `max` sessions at once; each dropped after `timeoutMs` idle. */
  constructor(max: number, timeoutMs: number) {
    this.max = max;
    this.timeoutMs = timeoutMs;
    this.timer = setInterval(() => void this.expire(), Math.max(50, Math.min(timeoutMs / 2, 60_000)));
    this.timer.unref();
  }

  /** How many sessions are open. */
  get count(): number {
    return this.sessions.size;
  }

  /** Opens a session in `layout`; 429 TOOMANYREQUESTS when the bound is reached. */
  async start(name: string, layout: OciLayout): Promise<UploadSession> {
    if (this.sessions.size >= this.max) {
      throw serveError(SpecCode.TOOMANYREQUESTS, 429, `too many open uploads (at most ${this.max})`, {
        limit: this.max,
      });
    }
    const path = join(layout.root, INGEST_DIR, tempName('upload.'));
    const handle = await createInIngestDir(layout.root, () => open(path, 'wx', 0o644));
    const session: UploadSession = {
      id: randomUUID(),
      name,
      layout,
      path,
      size: 0,
      lastUsed: Date.now(),
      busy: false,
      handle,
      hasher: new Hasher('sha256'),
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The session `id` of repository `name`; 404 BLOB_UPLOAD_UNKNOWN otherwise. */
  get(name: string, id: string): UploadSession {
    const session = UUID.test(id) ? this.sessions.get(id) : undefined;
    if (session === undefined || session.name !== name) {
      throw serveError(SpecCode.BLOB_UPLOAD_UNKNOWN, 404, 'blob upload unknown to registry', {
        session: id.slice(0, 64),
      });
    }
    session.lastUsed = Date.now();
    return session;
  }

  /**
   * Appends `source` to the session, hashing as it writes (one write in flight while the next
   * batch is read). Refuses a second writer with 416. Any failure drops the session.
   */
  async append(session: UploadSession, source: AsyncIterable<Uint8Array>): Promise<void> {
    if (session.busy) {
      throw serveError(SpecCode.BLOB_UPLOAD_INVALID, 416, 'another request is writing this upload', {
        range: rangeOf(session.size),
      });
    }
    session.busy = true;
    let writing: Promise<unknown> | undefined;
    try {
      let batch: Buffer[] = [];
      let batchBytes = 0;
      let position = session.size;
      for await (const chunk of source) {
        const buffer = Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        session.hasher.update(buffer);
        bodyBytesReceived(buffer.byteLength);
        batch.push(buffer);
        batchBytes += buffer.byteLength;
        if (batchBytes >= HASH_CHUNK) {
          await writing;
          writing = session.handle.writev(batch, position);
          writing.catch(() => {});
          position += batchBytes;
          batch = [];
          batchBytes = 0;
        }
      }
      await writing;
      if (batchBytes > 0) await session.handle.writev(batch, position);
      session.size = position + batchBytes;
      session.lastUsed = Date.now();
      session.busy = false;
    } catch (err) {
      await writing?.catch(() => {});
      await this.drop(session);
      throw err;
    }
  }

  /**
   * Closes the session as blob `digest`: the bytes must hash to it (400 DIGEST_INVALID otherwise,
   * and the bytes are dropped); then the file is fsynced and renamed into the layout's blobs.
   */
  async commit(session: UploadSession, digest: string): Promise<{ digest: Digest; size: number }> {
    if (session.busy) {
      throw serveError(SpecCode.BLOB_UPLOAD_INVALID, 416, 'another request is writing this upload', {
        range: rangeOf(session.size),
      });
    }
    this.sessions.delete(session.id);
    try {
      const parsed = parseSupportedDigest(digest);
      await session.handle.sync();
      await session.handle.close();
      const actual =
        parsed.algorithm === 'sha256'
          ? session.hasher.digest()
          : (await digestFile(session.path, parsed.algorithm)).digest;
      if (actual !== parsed.digest) {
        throw serveError(SpecCode.DIGEST_INVALID, 400, 'provided digest did not match uploaded content', {
          expected: parsed.digest,
          actual,
        });
      }
      const dir = await ensureBlobDir(session.layout.root, parsed.algorithm);
      await rename(session.path, parsedBlobPath(session.layout.root, parsed));
      await fsyncDirectory(dir);
      return { digest: parsed.digest, size: session.size };
    } catch (err) {
      await session.handle.close().catch(() => {});
      await rm(session.path, { force: true });
      throw err;
    }
  }

  /** Drops a session and its bytes. */
  async drop(session: UploadSession): Promise<void> {
    this.sessions.delete(session.id);
    await session.handle.close().catch(() => {});
    await rm(session.path, { force: true });
  }

  /** Drops the sessions idle for longer than the timeout (not those being written to). */
  async expire(now = Date.now()): Promise<void> {
    for (const session of [...this.sessions.values()]) {
      if (!session.busy && now - session.lastUsed > this.timeoutMs) await this.drop(session);
    }
  }

  /** Stops the expiry timer and drops every session. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.sessions.values()].map((s) => this.drop(s)));
  }
}

/** The spec's `Range` value for `size` bytes received: `0-<last offset>` (`0-0` when none). */
export function rangeOf(size: number): string {
  return `0-${Math.max(0, size - 1)}`;
}
