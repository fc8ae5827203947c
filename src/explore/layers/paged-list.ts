/**
 * A list kept on disk as one JSON line per item, with the byte offset of every checkpoint-th item
 * in memory: a page is read from the checkpoint before it, so holding a list costs a few numbers
 * per thousand items and reading a page costs about one page of reading. The explorer's layer
 * listings and merged directories are such lists.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { readLines } from './json-lines.ts';

/** Items between two remembered offsets, unless the writer says otherwise. */
export const PAGE_CHECKPOINT = 256;

/** A list on disk; `slice` reads the items of one page, as `Array.prototype.slice` would pick them. */
export class PagedList<T> {
  /** The file holding the list. */
  readonly file: string;
  /** How many items the list holds. */
  readonly length: number;
  private readonly checkpoints: readonly number[];
  private readonly every: number;

  /** The list of `length` items in `file`, item `i * every` at byte `checkpoints[i]`. */
  constructor(file: string, length: number, checkpoints: readonly number[], every = PAGE_CHECKPOINT) {
    this.file = file;
    this.length = length;
    this.checkpoints = checkpoints;
    this.every = every;
  }

  /**
   * The raw lines from the checkpoint at or before item `from`: `first` is the index of the first
   * line yielded (up to one checkpoint interval before `from`).
   */
  linesFrom(from: number): { first: number; lines: AsyncGenerator<string[]> } {
    const at = Math.min(Math.floor(Math.max(0, from) / this.every), Math.max(0, this.checkpoints.length - 1));
    return { first: at * this.every, lines: readLines(this.file, this.checkpoints[at] ?? 0) };
  }

  /** Items `start` (inclusive) to `end` (exclusive) of the list, read from disk. */
  async slice(start = 0, end = this.length): Promise<T[]> {
    const from = Math.max(0, Math.min(start, this.length));
    const to = Math.max(from, Math.min(end, this.length));
    const out: T[] = [];
    if (from === to) return out;
    const { first, lines } = this.linesFrom(from);
    let index = first;
    for await (const batch of lines) {
      for (const line of batch) {
        if (index >= from) out.push(JSON.parse(line) as T);
        if (++index === to) return out; // leaving the loop closes the file
      }
    }
    return out;
  }

  /** Removes the file. */
  remove(): Promise<void> {
    return rm(this.file, { force: true });
  }
}

/**
 * Writes a {@link PagedList} item by item; {@link PagedListWriter.finish} closes it. A failed write
 * (a full disk, a removed folder) rejects the pending or next `add`, and `finish`, instead of
 * escaping as an uncaught stream error.
 */
export class PagedListWriter<T> {
  private readonly out: WriteStream;
  private readonly checkpoints: number[] = [];
  private bytes = 0;
  private count = 0;
  private failure: Error | undefined;

  private readonly file: string;
  private readonly every: number;

  /** A writer of a new list in `file`, remembering the offset of every `every`-th item. */
  constructor(file: string, every = PAGE_CHECKPOINT) {
    this.file = file;
    this.every = every;
    this.out = createWriteStream(file);
    this.out.on('error', (err) => {
      this.failure ??= err;
    });
  }

  /** Items written so far. */
  get length(): number {
    return this.count;
  }

  /** Appends one item; when the file's buffer is full, returns a promise to await before the next. */
  add(item: T): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.count % this.every === 0) this.checkpoints.push(this.bytes);
    const line = `${JSON.stringify(item)}\n`;
    this.bytes += Buffer.byteLength(line);
    this.count++;
    if (this.out.write(line)) return undefined;
    return new Promise<void>((resolve, reject) => {
      const settle = (err?: Error) => {
        this.out.off('drain', onDrain);
        this.out.off('error', onError);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onDrain = () => settle();
      const onError = (err: Error) => settle(err);
      this.out.once('drain', onDrain);
      this.out.once('error', onError);
    });
  }

  /** Closes the file and returns the list it holds. */
  async finish(): Promise<PagedList<T>> {
    await new Promise<void>((resolve, reject) => {
      if (this.failure !== undefined) {
        reject(this.failure);
        return;
      }
      this.out.once('error', reject);
      this.out.end(resolve);
    });
    if (this.failure !== undefined) throw this.failure;
    return new PagedList<T>(this.file, this.count, this.checkpoints, this.every);
  }

  /** Closes and removes the file (when the list is abandoned). */
  async abandon(): Promise<void> {
    if (!this.out.destroyed) await new Promise<void>((resolve) => this.out.end(resolve));
    await rm(this.file, { force: true });
  }
}
