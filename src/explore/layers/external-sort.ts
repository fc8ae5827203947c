/**
 * An external merge sort of JSON-serialisable records, so that grouping or ordering every path of
 * an image needs memory that does not grow with it: at most {@link RUN_SIZE} records are held; each
 * full buffer is sorted and written as one run file in the listing folder, and {@link
 * ExternalSort.sorted} merges the runs through a binary heap over their first records. A sort that
 * fits in one buffer never touches the disk.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonLines } from './json-lines.ts';
import { listingFolder } from './listing.ts';

/** Most records one sort holds in memory (its buffer; while merging, each run's batch of at most 16 KiB of lines). */
export const RUN_SIZE = 2048;
/** Most bytes of strings one sort's buffer holds (records with long names spill sooner). */
export const RUN_BYTES = 8 << 20;

/** About how many bytes `value` holds: its strings' lengths, plus a little per number or object. */
export function approximateBytes(value: unknown, depth = 0): number {
  if (typeof value === 'string') return value.length;
  if (value === null || typeof value !== 'object' || depth > 3) return 8;
  let total = 16;
  for (const v of Array.isArray(value) ? value : Object.values(value))
    total += approximateBytes(v, depth + 1);
  return total;
}

/** What sorts have done since {@link resetSortGauge}: the most records one held, and the runs spilled. */
export interface SortGauge {
  mostHeld: number;
  runs: number;
}

const gauge: SortGauge = { mostHeld: 0, runs: 0 };
let serial = 0;

/** A copy of the sort gauge (for tests that check memory stays bounded). */
export function sortGauge(): SortGauge {
  return { ...gauge };
}

/** Zeroes the sort gauge. */
export function resetSortGauge(): void {
  gauge.mostHeld = 0;
  gauge.runs = 0;
}

function held(count: number): void {
  if (count > gauge.mostHeld) gauge.mostHeld = count;
}

/** Sorts records added one by one with `compare`; read them once with {@link ExternalSort.sorted}. */
export class ExternalSort<T> {
  private buffer: T[] = [];
  private bufferBytes = 0;
  private readonly runs: string[] = [];

  private readonly compare: (a: T, b: T) => number;
  private readonly runSize: number;

  /** A sort by `compare` holding at most `runSize` records in memory. */
  constructor(compare: (a: T, b: T) => number, runSize = RUN_SIZE) {
    this.compare = compare;
    this.runSize = runSize;
  }

  /**
   * Adds one record; when that fills the buffer ({@link RUN_SIZE} records or {@link RUN_BYTES}),
   * it is sorted and written to disk: await the promise returned then.
   */
  add(record: T): Promise<void> | undefined {
    this.buffer.push(record);
    this.bufferBytes += approximateBytes(record);
    held(this.buffer.length);
    return this.buffer.length >= this.runSize || this.bufferBytes >= RUN_BYTES ? this.spill() : undefined;
  }

  private async spill(): Promise<void> {
    const records = this.buffer.sort(this.compare);
    this.buffer = [];
    this.bufferBytes = 0;
    const file = join(listingFolder(), `run-${process.pid}-${serial++}`);
    this.runs.push(file);
    gauge.runs++;
    await writeFile(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }

  /** Yields every record added, in order, a batch at a time; the run files are removed when it ends or is stopped. */
  async *sorted(): AsyncGenerator<T[]> {
    try {
      if (this.runs.length === 0) {
        const records = this.buffer.sort(this.compare);
        this.buffer = [];
        yield records;
        return;
      }
      if (this.buffer.length > 0) await this.spill();
      yield* this.merge();
    } finally {
      await this.close();
    }
  }

  private async *merge(): AsyncGenerator<T[]> {
    const readers = this.runs.map((file) => readJsonLines<T>(file, 0, 1 << 14));
    /** Each run's current batch and the position of its first record not yet merged. */
    const batches: T[][] = [];
    const positions: number[] = [];
    const heap: number[] = [];
    const head = (i: number): T => (batches[i] as T[])[positions[i] as number] as T;
    const less = (i: number, j: number): boolean => {
      const order = this.compare(head(i), head(j));
      return order < 0 || (order === 0 && i < j);
    };
    const down = (at: number): void => {
      for (;;) {
        const left = 2 * at + 1;
        let least = at;
        if (left < heap.length && less(heap[left] as number, heap[least] as number)) least = left;
        if (left + 1 < heap.length && less(heap[left + 1] as number, heap[least] as number)) least = left + 1;
        if (least === at) return;
        [heap[at], heap[least]] = [heap[least] as number, heap[at] as number];
        at = least;
      }
    };
    /** Loads run `i`'s next batch; false at its end. */
    const refill = async (i: number): Promise<boolean> => {
      const next = await (readers[i] as AsyncGenerator<T[]>).next();
      if (next.done === true) return false;
      batches[i] = next.value;
      positions[i] = 0;
      return true;
    };
    try {
      for (let i = 0; i < readers.length; i++) if (await refill(i)) heap.push(i);
      held(batches.reduce((sum, batch) => sum + batch.length, 0));
      for (let at = Math.floor(heap.length / 2) - 1; at >= 0; at--) down(at);
      let out: T[] = [];
      while (heap.length > 0) {
        const top = heap[0] as number;
        out.push(head(top));
        positions[top] = (positions[top] as number) + 1;
        if ((positions[top] as number) === (batches[top] as T[]).length && !(await refill(top))) {
          heap[0] = heap[heap.length - 1] as number;
          heap.pop();
        }
        down(0);
        if (out.length === 1024) {
          yield out;
          out = [];
        }
      }
      if (out.length > 0) yield out;
    } finally {
      for (const reader of readers) await reader.return(undefined);
    }
  }

  /** Removes the run files (also done when {@link ExternalSort.sorted} ends). */
  async close(): Promise<void> {
    this.buffer = [];
    const runs = this.runs.splice(0);
    await Promise.all(runs.map((file) => rm(file, { force: true })));
  }
}
