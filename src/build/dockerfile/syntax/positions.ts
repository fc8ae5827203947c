/**
 * Where the parts of each parsed instruction are in the file: a map from offsets of a joined
 * instruction (continuation lines put together) back to lines and columns, kept beside the public
 * syntax tree (so that later checks of flags can name a line and column) without adding fields to it.
 */
import type { RawInstruction } from '../types.ts';

/** A 1-based line and column (UTF-16 code units) in the Dockerfile. */
export interface LineColumn {
  readonly line: number;
  readonly column: number;
}

/** Maps offsets of a joined instruction back to lines and columns. */
export class SourceMap {
  readonly #starts: number[] = [];
  readonly #lines: number[] = [];
  readonly #columns: number[] = [];

  /** Records that the joined text from `offset` on comes from `line`, starting at `column`. */
  add(offset: number, line: number, column: number): void {
    this.#starts.push(offset);
    this.#lines.push(line);
    this.#columns.push(column);
  }

  /** The line and column of `offset` in the joined text. */
  locate(offset: number): LineColumn | undefined {
    let lo = 0;
    let hi = this.#starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#starts[mid] as number) <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) return undefined;
    return {
      line: this.#lines[found] as number,
      column: (this.#columns[found] as number) + offset - (this.#starts[found] as number),
    };
  }
}

/** Offsets into an instruction's `original` of its keyword, its flags (in order) and its arguments. */
export interface InstructionPositions {
  readonly keyword: number;
  readonly flags: readonly number[];
  /** The line and column of an offset into `original`. */
  locate(offset: number): LineColumn | undefined;
}

const table = new WeakMap<RawInstruction, InstructionPositions>();

/** Records the positions of `raw` (done once, by the parser that made it). */
export function recordPositions(
  raw: RawInstruction,
  map: SourceMap,
  base: number,
  keyword: number,
  flags: readonly number[],
): void {
  table.set(raw, { keyword, flags, locate: (offset) => map.locate(base + offset) });
}

/** The positions of an instruction this parser made; undefined for one built elsewhere. */
export function positionsOf(raw: RawInstruction): InstructionPositions | undefined {
  return table.get(raw);
}
