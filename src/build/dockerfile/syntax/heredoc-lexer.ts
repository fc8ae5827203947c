/**
 * The shell-word lexing that finds heredocs (BuildKit's frontend/dockerfile/shell lexer in the modes
 * its parser uses: no variables set, unset variables kept as written, `\` as escape whatever the
 * escape directive says). `<<` takes the blanks after it into its word, so `<< EOF` is one word.
 * Quotes and escapes are kept or removed depending on the mode; unbalanced quotes and malformed
 * `${…}` are errors.
 */
import { isGoSpace } from './chars.ts';

/** A lexing failure: unbalanced quote, malformed `${…}`, or nesting past {@link MAX_DEPTH}. */
export class LexError extends Error {}

/** Whether quotes and escapes stay in the words. */
export interface LexMode {
  readonly rawQuotes: boolean;
  readonly rawEscapes: boolean;
}

/** Deepest `${a:-${b:-…}}` nesting looked into; deeper text is refused rather than overflowing the stack. */
const MAX_DEPTH = 200;
const ESCAPE = '\\';
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);
const DIGIT = /^\p{Nd}$/u;
const LETTER = /^\p{L}$/u;

/**
 * The word being built. One buffer serves the whole lexing pass: as in BuildKit, reading the word
 * of a `${name<op>word}` starts from an empty buffer, so the text of the outer word before the
 * `${` is dropped from its word (this decides whether `<<${x:-y}` reads as a heredoc).
 */
class Buffer {
  text = '';
}

/** Accumulates words; a character that is a space ends the current word unless added raw. */
class Words {
  readonly list: string[] = [];
  #inWord = false;
  readonly #buf: Buffer;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  addChar(ch: string): void {
    if (isGoSpace(ch)) {
      if (this.#inWord && this.#buf.text !== '') {
        this.list.push(this.#buf.text);
        this.#buf.text = '';
        this.#inWord = false;
      }
      return;
    }
    this.addRaw(ch);
  }

  addString(text: string): void {
    for (const ch of text) this.addChar(ch);
  }

  addRaw(text: string): void {
    this.#buf.text += text;
    this.#inWord = true;
  }

  done(): string[] {
    if (this.#buf.text !== '') this.list.push(this.#buf.text);
    this.#buf.text = '';
    return this.list;
  }
}

class Lexer {
  #pos = 0;
  readonly #buffer = new Buffer();
  readonly text: string;
  readonly rawQuotes: boolean;

  constructor(text: string, rawQuotes: boolean) {
    this.text = text;
    this.rawQuotes = rawQuotes;
  }

  peek(): string | undefined {
    if (this.#pos >= this.text.length) return undefined;
    return String.fromCodePoint(this.text.codePointAt(this.#pos) as number);
  }

  next(): string | undefined {
    const ch = this.peek();
    if (ch !== undefined) this.#pos += ch.length;
    return ch;
  }

  /** Reads up to `stop` (or the end when undefined); the text as processed and its words. */
  until(stop: string | undefined, rawEscapes: boolean, depth: number): { text: string; words: string[] } {
    if (depth > MAX_DEPTH) throw new LexError('substitutions nested too deeply');
    let text = '';
    this.#buffer.text = '';
    const words = new Words(this.#buffer);
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (stop !== undefined && ch === stop) {
        this.next();
        return { text, words: words.done() };
      }
      if (ch === '$') {
        const part = this.dollar(depth);
        text += part;
        words.addString(part);
        continue;
      }
      if (ch === '<' || ch === "'" || ch === '"') {
        const part = ch === '<' ? this.angle() : ch === "'" ? this.single() : this.double(rawEscapes, depth);
        text += part;
        words.addRaw(part);
        continue;
      }
      this.next();
      if (ch === ESCAPE) {
        if (rawEscapes) {
          words.addRaw(ch);
          text += ch;
        }
        const escaped = this.next();
        if (escaped === undefined) break;
        words.addRaw(escaped);
        text += escaped;
        continue;
      }
      words.addChar(ch);
      text += ch;
    }
    if (stop !== undefined) throw new LexError(`unexpected end of text while looking for ${stop}`);
    return { text, words: words.done() };
  }

  /** `<` alone, or `<<` with the blanks that follow it. */
  angle(): string {
    this.next();
    if (this.peek() !== '<') return '<';
    this.next();
    let out = '<<';
    for (let ch = this.peek(); ch === ' ' || ch === '\t' || ch === '\r'; ch = this.peek()) {
      out += ch;
      this.next();
    }
    return out;
  }

  single(): string {
    this.next();
    let out = this.rawQuotes ? "'" : '';
    for (;;) {
      const ch = this.next();
      if (ch === undefined) throw new LexError('unterminated single quote');
      if (ch === "'") return this.rawQuotes ? `${out}'` : out;
      out += ch;
    }
  }

  double(rawEscapes: boolean, depth: number): string {
    this.next();
    let out = this.rawQuotes ? '"' : '';
    for (;;) {
      const ch = this.peek();
      if (ch === undefined) throw new LexError('unterminated double quote');
      if (ch === '"') {
        this.next();
        return this.rawQuotes ? `${out}"` : out;
      }
      if (ch === '$') {
        out += this.dollar(depth);
        continue;
      }
      let taken = this.next() as string;
      if (taken === ESCAPE) {
        if (rawEscapes) out += taken;
        const after = this.peek();
        if (after === undefined) continue;
        if (after === '"' || after === '$' || after === ESCAPE) taken = this.next() as string;
      }
      out += taken;
    }
  }

  /** `$name`, `${name}` or `${name<op>word}`, kept as written since no variable is set. */
  dollar(depth: number): string {
    this.next();
    if (this.peek() !== '{') {
      const name = this.name();
      return name === '' ? '$' : `$${name}`;
    }
    this.next();
    const first = this.peek();
    if (first === undefined) throw new LexError("missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexError('bad substitution');
    const name = this.name();
    let op = this.next();
    if (op === '}') return `\${${name}}`;
    if (op === '/') {
      if (this.peek() === '/') this.next();
      const pattern = this.until('/', true, depth + 1).text;
      const replacement = this.until('}', true, depth + 1).text;
      return `\${${name}/${pattern}/${replacement}}`;
    }
    let ops = op ?? '';
    const nullIsUnset = op === ':';
    if (nullIsUnset) {
      op = this.next();
      ops += op ?? '';
    } else if (op === undefined || !'+-?#%'.includes(op)) {
      throw new LexError(`unsupported modifier (${ops}) in substitution`);
    }
    const rawEscapes = op === '#' || op === '%';
    if (nullIsUnset && rawEscapes) throw new LexError(`unsupported modifier (${ops}) in substitution`);
    const word = this.until('}', rawEscapes, depth + 1).text;
    return `\${${name}${ops}${word}}`;
  }

  /** A variable name: digits, one special parameter, or letters, digits and `_`. */
  name(): string {
    let name = '';
    for (let ch = this.peek(); ch !== undefined; ch = this.peek()) {
      if (name === '' && DIGIT.test(ch)) {
        while (ch !== undefined && DIGIT.test(ch)) {
          name += ch;
          this.next();
          ch = this.peek();
        }
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) {
        this.next();
        return ch;
      }
      if (!LETTER.test(ch) && !DIGIT.test(ch) && ch !== '_') break;
      name += ch;
      this.next();
    }
    return name;
  }
}

/** Splits `text` into words in `mode`; throws {@link LexError} on unbalanced quotes or bad `${…}`. */
export function lexWords(text: string, mode: LexMode): string[] {
  return new Lexer(text, mode.rawQuotes).until(undefined, mode.rawEscapes, 0).words;
}
