/**
 * A zstd decoder for whole streams: every frame is decoded (each by a fresh node:zlib decoder) and
 * skippable frames are dropped, as RFC 8878 §3.1 and the `zstd` command do.
 */
import { once } from 'node:events';
import { Duplex, type Transform } from 'node:stream';
// A namespace, not a named import: see zstd.ts.
import * as zlib from 'node:zlib';
import { ErrorCode, OciError } from '../errors/index.ts';
import { ZstdFrameScanner } from './zstd-frames.ts';

const CHUNK_SIZE = 128 * 1024;

/** Decodes a zstd stream of any number of frames and skippable frames. */
export class ZstdStreamDecoder extends Duplex {
  private readonly scanner = new ZstdFrameScanner();
  private frame: Transform | null = null;

  constructor() {
    super({ readableHighWaterMark: CHUNK_SIZE, writableHighWaterMark: CHUNK_SIZE });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.consume(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.scanner.inFrame) {
      callback(new OciError(ErrorCode.INVALID_ARCHIVE, 'corrupt zstd data: the stream ends inside a frame'));
      return;
    }
    this.push(null);
    callback();
  }

  override _read(): void {
    this.frame?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.frame?.destroy();
    this.frame = null;
    callback(error);
  }

  private async consume(chunk: Buffer): Promise<void> {
    for (const piece of this.scanner.scan(chunk)) {
      if (piece.type === 'start') {
        this.frame = this.openFrame();
        continue;
      }
      const frame = this.frame as Transform;
      if (piece.type === 'data') {
        if (!frame.write(piece.bytes)) await once(frame, 'drain');
      } else {
        const ended = once(frame, 'end');
        frame.end();
        await ended;
        this.frame = null;
      }
    }
  }

  private openFrame(): Transform {
    const frame = zlib.createZstdDecompress({ chunkSize: CHUNK_SIZE });
    frame.on('data', (data: Buffer) => {
      if (!this.push(data)) frame.pause();
    });
    frame.on('error', (err) =>
      this.destroy(
        new OciError(ErrorCode.INVALID_ARCHIVE, `corrupt zstd data: ${err.message}`, {
          cause: err,
          data: { compression: 'zstd' },
        }),
      ),
    );
    return frame;
  }
}
