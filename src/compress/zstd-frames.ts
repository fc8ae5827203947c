/**
 * A streaming scanner of zstd frame boundaries (RFC 8878 §3.1). node:zlib's zstd decoder stops at
 * the end of the first frame, and it counts a skippable frame as one, so a stream of several frames
 * (pzstd output, appended data, skippable metadata frames; spec-checklist §10.9) would be cut short.
 * The scanner finds where each frame ends, without decoding, so each frame can get its own decoder
 * and skippable frames can be dropped. Hand-written: no library exposes frame boundaries.
 */
import { ErrorCode, OciError } from '../errors/index.ts';

/** Magic number of a zstd frame (RFC 8878 §3.1.1). */
const FRAME_MAGIC = 0xfd2fb528;
/** Skippable frames use magics 0x184D2A50..0x184D2A5F (RFC 8878 §3.1.2). */
const SKIPPABLE_MAGIC = 0x184d2a50;
const SKIPPABLE_MASK = 0xfffffff0;

/** What the scanner found in a chunk, in order. */
export type FramePiece = { type: 'start' } | { type: 'data'; bytes: Uint8Array } | { type: 'end' };

type State = 'magic' | 'skipSize' | 'skip' | 'descriptor' | 'header' | 'blockHeader' | 'block' | 'checksum';

const FCS_SIZE = [0, 2, 4, 8] as const;
const DID_SIZE = [0, 1, 2, 4] as const;

function invalid(message: string): OciError {
  return new OciError(ErrorCode.INVALID_ARCHIVE, `corrupt zstd data: ${message}`, {
    data: { compression: 'zstd' },
  });
}

/** Splits a zstd stream, chunk by chunk, into the bytes of each (non-skippable) frame. */
export class ZstdFrameScanner {
  private state: State = 'magic';
  private field: number[] = [];
  private remaining = 0;
  private hasChecksum = false;
  private lastBlock = false;
  private frames = 0;

  /** True while a frame (or a skippable frame) has started and not ended. */
  get inFrame(): boolean {
    return this.state !== 'magic' || this.field.length > 0;
  }

  /** Frames (not counting skippable ones) started so far. */
  get frameCount(): number {
    return this.frames;
  }

  /** Scans the next chunk; throws INVALID_ARCHIVE on bytes that are no zstd frame. */
  scan(chunk: Uint8Array): FramePiece[] {
    const pieces: FramePiece[] = [];
    // Start of the bytes of the current frame that still have to be handed on.
    let forwardFrom = this.state === 'magic' || this.state === 'skipSize' || this.state === 'skip' ? -1 : 0;
    const forward = (end: number): void => {
      if (forwardFrom >= 0 && end > forwardFrom)
        pieces.push({ type: 'data', bytes: chunk.subarray(forwardFrom, end) });
      forwardFrom = -1;
    };
    let pos = 0;
    const take = (): number => {
      const n = Math.min(this.remaining, chunk.length - pos);
      pos += n;
      this.remaining -= n;
      return this.remaining;
    };
    while (pos < chunk.length) {
      switch (this.state) {
        case 'magic': {
          this.field.push(chunk[pos++] as number);
          if (this.field.length < 4) break;
          const bytes = Uint8Array.from(this.field);
          const magic = Buffer.from(bytes).readUInt32LE(0);
          this.field = [];
          if (magic === FRAME_MAGIC) {
            this.frames++;
            pieces.push({ type: 'start' }, { type: 'data', bytes });
            forwardFrom = pos;
            this.state = 'descriptor';
          } else if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
            this.state = 'skipSize';
          } else {
            throw invalid(`unknown frame magic 0x${magic.toString(16)}`);
          }
          break;
        }
        case 'skipSize':
          this.field.push(chunk[pos++] as number);
          if (this.field.length < 4) break;
          this.remaining = Buffer.from(this.field).readUInt32LE(0);
          this.field = [];
          this.state = this.remaining > 0 ? 'skip' : 'magic';
          break;
        case 'skip':
          if (take() === 0) this.state = 'magic';
          break;
        case 'descriptor': {
          const descriptor = chunk[pos++] as number;
          if ((descriptor & 0x08) !== 0) throw invalid('reserved bit set in frame header');
          const singleSegment = (descriptor & 0x20) !== 0;
          const fcsFlag = descriptor >>> 6;
          const fcsSize = fcsFlag === 0 && singleSegment ? 1 : (FCS_SIZE[fcsFlag] as number);
          this.hasChecksum = (descriptor & 0x04) !== 0;
          this.remaining = (singleSegment ? 0 : 1) + (DID_SIZE[descriptor & 3] as number) + fcsSize;
          this.state = this.remaining > 0 ? 'header' : 'blockHeader';
          break;
        }
        case 'header':
          if (take() === 0) this.state = 'blockHeader';
          break;
        case 'blockHeader': {
          this.field.push(chunk[pos++] as number);
          if (this.field.length < 3) break;
          const [b0, b1, b2] = this.field as [number, number, number];
          this.field = [];
          const header = b0 | (b1 << 8) | (b2 << 16);
          this.lastBlock = (header & 1) === 1;
          const type = (header >>> 1) & 3;
          if (type === 3) throw invalid('reserved block type');
          this.remaining = type === 1 ? 1 : header >>> 3;
          if (this.remaining > 0) this.state = 'block';
          else this.afterBlock(pieces, pos, forward);
          break;
        }
        case 'block':
          if (take() === 0) this.afterBlock(pieces, pos, forward);
          break;
        case 'checksum':
          if (take() === 0) this.endFrame(pieces, pos, forward);
          break;
      }
    }
    forward(chunk.length);
    return pieces;
  }

  private afterBlock(pieces: FramePiece[], pos: number, forward: (end: number) => void): void {
    if (!this.lastBlock) {
      this.state = 'blockHeader';
    } else if (this.hasChecksum) {
      this.remaining = 4;
      this.state = 'checksum';
    } else {
      this.endFrame(pieces, pos, forward);
    }
  }

  private endFrame(pieces: FramePiece[], pos: number, forward: (end: number) => void): void {
    forward(pos);
    pieces.push({ type: 'end' });
    this.state = 'magic';
  }
}
