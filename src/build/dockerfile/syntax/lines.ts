/**
 * The physical lines of a Dockerfile, read one at a time: split at `\n` only (a lone `\r` is part of
 * a line), a byte-order mark dropped from the first line, and each line's newline remembered so a
 * heredoc body comes back exactly as written.
 */

/** One physical line, without its `\n`, and its 1-based number. */
export interface Line {
  readonly text: string;
  readonly number: number;
}

/** A line without the `\r` characters at its end (BuildKit trims `\r\n` runs). */
export function withoutCarriageReturns(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === '\r') end--;
  return end === line.length ? line : line.slice(0, end);
}

/** A cursor over the lines of a text. */
export class Lines {
  readonly #lines: string[];
  readonly #lastHasNewline: boolean;
  #next = 0;

  constructor(text: string) {
    this.#lines = text.split('\n');
    this.#lastHasNewline = this.#lines[this.#lines.length - 1] === '';
    if (this.#lastHasNewline) this.#lines.pop();
    const first = this.#lines[0];
    if (first?.startsWith('\uFEFF')) this.#lines[0] = first.slice(1);
  }

  /** How many lines the text has. */
  get count(): number {
    return this.#lines.length;
  }

  /** The next line, or undefined at the end. */
  take(): Line | undefined {
    if (this.#next >= this.#lines.length) return undefined;
    const text = this.#lines[this.#next] as string;
    this.#next++;
    return { text, number: this.#next };
  }

  /** The line just taken as it was in the file: with its `\n` unless it was the unterminated last line. */
  asWritten(line: Line): string {
    return line.number < this.#lines.length || this.#lastHasNewline ? `${line.text}\n` : line.text;
  }
}
