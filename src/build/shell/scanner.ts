/** A cursor over the code points of one word. */

/** Reads a word one code point at a time; `undefined` marks the end. */
export class Scanner {
  private readonly chars: string[];
  private position = 0;

  /** A leading byte-order mark is skipped, as Go's text scanner does. */
  constructor(text: string) {
    this.chars = Array.from(text);
    if (this.chars[0] === '\uFEFF') this.position = 1;
  }

  /** The next code point without consuming it. */
  peek(): string | undefined {
    return this.chars[this.position];
  }

  /** Consumes and returns the next code point. */
  next(): string | undefined {
    const ch = this.chars[this.position];
    if (ch !== undefined) this.position++;
    return ch;
  }

  /** How many code points have been consumed. */
  get offset(): number {
    return this.position;
  }
}
