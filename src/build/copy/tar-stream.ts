/**
 * The bytes of a layer tar from emitted entries, in chunks of 1 MiB: headers encoded by the
 * project's tar writer, file contents read from disk straight into the chunk being filled (no
 * buffer per file, no copy: small-file contexts are mostly allocation otherwise), inline contents
 * from memory, padding and the end-of-archive blocks. Memory stays flat for any file size. A file
 * is opened only when it is still the file the walk saw (copy/source-file.ts), and one that
 * shrinks while it is read fails with IO_ERROR rather than produce a corrupt tar.
 */
import { type BigIntStats, closeSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { ErrorCode, OciError } from '../../errors/index.ts';
import { BLOCK, END_OF_ARCHIVE, encodeHeader } from '../../tar/header.ts';
import type { EmittedEntry } from './emit.ts';
import { openPlannedFile } from './source-file.ts';

const CHUNK = 1 << 20;

/** Fills 1 MiB chunks and hands each one over when full. */
class ChunkWriter {
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private readonly full: Buffer[] = [];

  /** Chunks completed since the last call. */
  drain(): Buffer[] {
    return this.full.splice(0);
  }

  private rotate(): void {
    this.full.push(this.chunk);
    this.chunk = Buffer.allocUnsafe(CHUNK);
    this.used = 0;
  }

  write(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) {
      const n = Math.min(bytes.length - offset, CHUNK - this.used);
      bytes.copy(this.chunk, this.used, offset, offset + n);
      this.used += n;
      offset += n;
      if (this.used === CHUNK) this.rotate();
    }
  }

  zeros(count: number): void {
    let left = count;
    while (left > 0) {
      const n = Math.min(left, CHUNK - this.used);
      this.chunk.fill(0, this.used, this.used + n);
      this.used += n;
      left -= n;
      if (this.used === CHUNK) this.rotate();
    }
  }

  /**
   * Reads exactly `size` bytes of `path` (which must still be the file `planned` describes) into
   * the chunks, handing on each chunk as it fills: a big file is never held whole.
   */
  *file(path: string, size: number, planned: BigIntStats | undefined): Generator<Buffer> {
    const fd = planned === undefined ? openSync(path, 'r') : openPlannedFile(path, planned);
    try {
      let left = size;
      while (left > 0) {
        const want = Math.min(left, CHUNK - this.used);
        const n = readSync(fd, this.chunk, this.used, want, null);
        if (n === 0) {
          throw new OciError(ErrorCode.IO_ERROR, `${path} shrank while it was being read`, {
            data: { path },
          });
        }
        this.used += n;
        left -= n;
        if (this.used === CHUNK) {
          this.rotate();
          yield* this.drain();
        }
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The last, partly filled chunk. */
  rest(): Buffer {
    return this.chunk.subarray(0, this.used);
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

async function* chunks(entries: Iterable<EmittedEntry>, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const out = new ChunkWriter();
  for (const item of entries) {
    signal?.throwIfAborted();
    out.write(encodeHeader(item.entry));
    if (item.content !== undefined) {
      out.write(item.content);
      out.zeros(padding(item.content.length));
    } else if (item.entry.type === 'file' && item.entry.size > 0) {
      yield* out.file(item.file ?? '', item.entry.size, item.source);
      out.zeros(padding(item.entry.size));
    }
    yield* out.drain();
  }
  out.write(END_OF_ARCHIVE);
  yield* out.drain();
  yield out.rest();
}

/** An uncompressed tar stream of `entries` (consumed lazily, as the stream is read). */
export function tarOf(entries: Iterable<EmittedEntry>, signal?: AbortSignal): Readable {
  return Readable.from(chunks(entries, signal), { objectMode: false, highWaterMark: CHUNK });
}
