/**
 * A list kept on disk as one JSON line per item, with the byte offset of every {@link
 * PAGE_CHECKPOINT}-th item in memory: a page is read from the checkpoint before it, so holding a
 * list costs a few numbers per thousand items and reading a page costs about one page of reading.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';

/** Items between two remembered offsets. */
export const PAGE_CHECKPOINT = 256;

/** A list on disk; `slice` reads the items of one page, as `Array.prototype.slice` would pick them. */
export class PagedList<T> {
  /** The file holding the list. */
  readonly file: string;
  /** How many items the list holds. */
  readonly length: number;
  private readonly checkpoints: readonly number[];

  /** The list of `length` items in `file`, item `i * PAGE_CHECKPOINT` at byte `checkpoints[i]`. */
  constructor(file: string, length: number, checkpoints: readonly number[]) {
    this.file = file;
    this.length = length;
    this.checkpoints = checkpoints;
  }

  /** Items `start` (inclusive) to `end` (exclusive) of the list, read from disk. */
  async slice(start = 0, end = this.length): Promise<T[]> {
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    const out: T[] = [];
    if (from === to) return out;
    const at = Math.floor(from / PAGE_CHECKPOINT);
    let index = at * PAGE_CHECKPOINT;
    let position = this.checkpoints[at] ?? 0;
    const file = await open(this.file, 'r');
    try {
      const chunk = Buffer.alloc(1 << 16);
      let rest = Buffer.alloc(0);
      while (index < to) {
        const { bytesRead } = await file.read(chunk, 0, chunk.length, position);
        if (bytesRead === 0) break;
        position += bytesRead;
        let text = Buffer.concat([rest, chunk.subarray(0, bytesRead)]);
        for (let newline = text.indexOf(10); newline !== -1 && index < to; newline = text.indexOf(10)) {
          if (index >= from) out.push(JSON.parse(text.toString('utf8', 0, newline)) as T);
          index++;
          text = text.subarray(newline + 1);
        }
        rest = Buffer.from(text);
      }
    } finally {
      await file.close();
    }
    return out;
  }

  /** Removes the file. */
  remove(): Promise<void> {
    return rm(this.file, { force: true });
  }
}

/** Writes a {@link PagedList} item by item; {@link PagedListWriter.finish} closes it. */
export class PagedListWriter<T> {
  private readonly out: WriteStream;
  private readonly checkpoints: number[] = [];
  private bytes = 0;
  private count = 0;

  private readonly file: string;

  /** A writer of a new list in `file`. */
  constructor(file: string) {
    this.file = file;
    this.out = createWriteStream(file);
  }

  /** Appends one item; when the file's buffer is full, returns a promise to await before the next. */
  add(item: T): Promise<void> | undefined {
    if (this.count % PAGE_CHECKPOINT === 0) this.checkpoints.push(this.bytes);
    const line = `${JSON.stringify(item)}\n`;
    this.bytes += Buffer.byteLength(line);
    this.count++;
    if (this.out.write(line)) return undefined;
    return new Promise<void>((resolve) => this.out.once('drain', () => resolve()));
  }

  /** Closes the file and returns the list it holds. */
  async finish(): Promise<PagedList<T>> {
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(resolve);
    });
    return new PagedList<T>(this.file, this.count, this.checkpoints);
  }

  /** Closes and removes the file (when the list is abandoned). */
  async abandon(): Promise<void> {
    await new Promise<void>((resolve) => this.out.end(resolve));
    await rm(this.file, { force: true });
  }
}
