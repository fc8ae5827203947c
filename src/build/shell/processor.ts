/**
 * The expansion of one word, read left to right (BuildKit's shell lexer semantics): quotes,
 * escapes, `$NAME`, `${NAME}` and the `${NAME<op>word}` forms, the words of the result, and the
 * names looked up.
 */
import { ErrorCode } from '../../errors/index.ts';
import { isDigit, isNameChar, isSpecialParameter } from './chars.ts';
import { expansionError } from './failure.ts';
import { GlobSyntaxError } from './glob.ts';
import { ReplacementTooLarge, removePrefix, removeSuffix, replaceMatches } from './pattern-ops.ts';
import { Scanner } from './scanner.ts';
import type { Environment, ShellLexerOptions } from './types.ts';
import { WordSplitter } from './words.ts';

/** How deep `${...}` may nest before a word is refused (real Dockerfiles use a few levels). */
export const MAX_NESTING = 256;

/**
 * Longest text one word may expand to (UTF-16 units). Values are pasted in whole, so without a
 * bound a line like `${A//?/$A}` grows a value quadratically, and a few lines of `ENV A=$A$A`
 * exponentially; no real Dockerfile comes near it.
 */
export const MAX_EXPANDED_WORD = 4 << 20;

/** The text of a (part of a) word and its words. */
interface Piece {
  readonly text: string;
  readonly words: string[];
}

/** Operators that are shell syntax BuildKit does not implement (assignment, case, transforms). */
const UNSUPPORTED_OPERATORS = new Set(['=', '^', ',', '@']);

/** Expands one word; create one per word (it records the names it looks up). */
export class WordProcessor {
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();
  private readonly word: string;
  private readonly env: Environment;
  private readonly escapeChar: string;
  private readonly options: ShellLexerOptions;
  private readonly scanner: Scanner;
  private depth = 0;

  constructor(word: string, env: Environment, escapeChar: string, options: ShellLexerOptions) {
    this.word = word;
    this.env = env;
    this.escapeChar = escapeChar;
    this.options = options;
    this.scanner = new Scanner(word);
  }

  /** The whole word, expanded, and split into words. */
  run(): Piece {
    return this.until(undefined, this.options.rawEscapes === true);
  }

  /**
   * Reads up to `stop` (consumed) or the end of the word. `rawEscapes` keeps escape characters in
   * the text (patterns need them to tell `\*` from `*`).
   */
  private until(stop: string | undefined, rawEscapes: boolean): Piece {
    const text: string[] = [];
    const words = new WordSplitter();
    const quotes = this.options.skipProcessQuotes !== true;
    let size = 0;
    for (let ch = this.scanner.peek(); ch !== undefined; ch = this.scanner.peek()) {
      if (ch === stop) {
        this.scanner.next();
        return { text: text.join(''), words: words.finish() };
      }
      if (ch === '$') {
        const value = this.dollar();
        size = this.bounded(size, value);
        text.push(value);
        words.addString(value);
      } else if (ch === '<') {
        const marker = this.heredocMarker();
        text.push(marker);
        words.addRaw(marker);
      } else if (quotes && (ch === "'" || ch === '"')) {
        const quoted = ch === "'" ? this.singleQuoted() : this.doubleQuoted(rawEscapes);
        size = this.bounded(size, quoted);
        text.push(quoted);
        words.addRaw(quoted);
      } else {
        this.scanner.next();
        if (ch !== this.escapeChar) {
          text.push(ch);
          words.addChar(ch);
          continue;
        }
        if (rawEscapes) {
          text.push(ch);
          words.addRaw(ch);
        }
        const escaped = this.scanner.next();
        if (escaped === undefined) break;
        text.push(escaped);
        words.addRaw(escaped);
      }
    }
    if (stop === '}') throw this.fail("missing '}'");
    if (stop !== undefined) throw this.fail(`missing '${stop}' in \${...}`);
    return { text: text.join(''), words: words.finish() };
  }

  /** `size` plus the length of `piece`; TOO_LARGE past {@link MAX_EXPANDED_WORD}. */
  private bounded(size: number, piece: string): number {
    const total = size + piece.length;
    if (total > MAX_EXPANDED_WORD) throw this.tooLarge();
    return total;
  }

  private tooLarge() {
    return expansionError(
      ErrorCode.TOO_LARGE,
      this.word,
      this.scanner.offset,
      `it expands to more than ${MAX_EXPANDED_WORD} characters`,
      { limit: MAX_EXPANDED_WORD },
    );
  }

  /** A nested read (inside `${...}`), with the nesting bounded. */
  private nested(stop: string, rawEscapes: boolean): string {
    if (++this.depth > MAX_NESTING) throw this.fail(`\${...} nested more than ${MAX_NESTING} levels deep`);
    try {
      return this.until(stop, rawEscapes).text;
    } finally {
      this.depth--;
    }
  }

  /** `'...'`: everything literal up to the next single quote. */
  private singleQuoted(): string {
    const raw = this.options.rawQuotes === true;
    const text: string[] = [];
    if (raw) text.push(this.scanner.next()!);
    else this.scanner.next();
    for (;;) {
      const ch = this.scanner.next();
      if (ch === undefined) throw this.fail('unterminated single quote');
      if (ch === "'") {
        if (raw) text.push(ch);
        return text.join('');
      }
      text.push(ch);
    }
  }

  /** `"..."`: `$` expands; the escape character escapes only `"`, `$` and itself. */
  private doubleQuoted(rawEscapes: boolean): string {
    const raw = this.options.rawQuotes === true;
    const text: string[] = [];
    let size = 0;
    if (raw) text.push(this.scanner.next()!);
    else this.scanner.next();
    for (;;) {
      const ch = this.scanner.peek();
      if (ch === undefined) throw this.fail('unterminated double quote');
      if (ch === '"') {
        this.scanner.next();
        if (raw) text.push(ch);
        return text.join('');
      }
      if (ch === '$') {
        const value = this.dollar();
        size = this.bounded(size, value);
        text.push(value);
        continue;
      }
      this.scanner.next();
      let out = ch;
      if (ch === this.escapeChar) {
        if (rawEscapes) text.push(ch);
        const after = this.scanner.peek();
        if (after === undefined) continue;
        if (after === '"' || after === '$' || after === this.escapeChar) out = this.scanner.next()!;
      }
      text.push(out);
    }
  }

  /** `<` or a heredoc marker `<<` with the blanks after it (kept in one word). */
  private heredocMarker(): string {
    this.scanner.next();
    if (this.scanner.peek() !== '<') return '<';
    this.scanner.next();
    let marker = '<<';
    for (let ch = this.scanner.peek(); ch === ' ' || ch === '\t' || ch === '\r'; ch = this.scanner.peek()) {
      marker += this.scanner.next();
    }
    return marker;
  }

  /** A name after `$`: letters, digits and `_`; or only digits; or one special parameter. */
  private name(): string {
    let name = '';
    for (let ch = this.scanner.peek(); ch !== undefined; ch = this.scanner.peek()) {
      if (name === '' && isDigit(ch)) {
        while (this.scanner.peek() !== undefined && isDigit(this.scanner.peek()!))
          name += this.scanner.next();
        return name;
      }
      if (name === '' && isSpecialParameter(ch)) return this.scanner.next()!;
      if (!isNameChar(ch)) break;
      name += this.scanner.next();
    }
    return name;
  }

  private lookup(name: string): string | undefined {
    const value = this.env.get(name);
    (value === undefined ? this.unmatched : this.matched).add(name);
    return value;
  }

  /** `$NAME`, `${NAME}` or `${NAME<op>word}`, the scanner on the `$`. */
  private dollar(): string {
    this.scanner.next();
    if (this.scanner.peek() !== '{') {
      const name = this.name();
      if (name === '') return '$';
      const value = this.lookup(name);
      if (value === undefined && this.options.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }
    this.scanner.next();
    const first = this.scanner.peek();
    if (first === undefined) throw this.fail("missing '}'");
    if (first === '{' || first === '}' || first === ':') throw this.fail('bad substitution');
    const name = this.name();
    const op = this.scanner.next();
    if (op === undefined) throw this.fail("missing '}'");
    if (op === '}') {
      const value = this.lookup(name);
      if (value === undefined && this.options.skipUnsetEnv) return '${' + name + '}';
      return value ?? '';
    }
    if (op === '/') return this.replace(name);
    if (op === ':') return this.modifier(name, true, this.scanner.next());
    if ('-+?#%'.includes(op)) return this.modifier(name, false, op);
    if (UNSUPPORTED_OPERATORS.has(op) || ((name === '#' || name === '!') && isNameChar(op))) {
      throw this.unsupported(name === '#' || name === '!' ? `\${${name}NAME}` : op);
    }
    throw this.fail(`bad substitution: unexpected ${JSON.stringify(op)} after \${${name}`);
  }

  /** `${NAME-w}`, `${NAME:-w}` and the other operators that take a word up to `}`. */
  private modifier(name: string, colon: boolean, op: string | undefined): string {
    const shown = (colon ? ':' : '') + (op ?? '');
    if (colon && (op === '#' || op === '%')) throw this.unsupported(shown);
    const word = this.nested('}', op === '#' || op === '%');
    const value = this.lookup(name);
    if (value === undefined && this.options.skipUnsetEnv) return '${' + name + shown + word + '}';
    const missing = value === undefined || (colon && value === '');
    switch (op) {
      case '-':
        return missing ? word : value!;
      case '+':
        return missing ? '' : word;
      case '?':
        if (value === undefined) throw this.fail(`${name}: ${word || 'must be set'}`, { variable: name });
        if (missing) throw this.fail(`${name}: ${word || 'must not be empty'}`, { variable: name });
        return value;
      case '#':
      case '%': {
        const greedy = word.startsWith(op);
        const pattern = greedy ? word.slice(1) : word;
        return this.withPattern(pattern, () =>
          op === '#'
            ? removePrefix(value ?? '', pattern, greedy)
            : removeSuffix(value ?? '', pattern, greedy),
        );
      }
      default:
        throw this.unsupported(shown);
    }
  }

  /** `${NAME/pattern/replacement}` and `${NAME//pattern/replacement}`. */
  private replace(name: string): string {
    const all = this.scanner.peek() === '/';
    if (all) this.scanner.next();
    const pattern = this.nested('/', true);
    const replacement = this.nested('}', true);
    const value = this.lookup(name);
    if (value === undefined && this.options.skipUnsetEnv) {
      return '${' + name + (all ? '//' : '/') + pattern + '/' + replacement + '}';
    }
    return this.withPattern(pattern, () =>
      replaceMatches(value ?? '', pattern, replacement, all, MAX_EXPANDED_WORD),
    );
  }

  private withPattern(pattern: string, apply: () => string): string {
    try {
      return apply();
    } catch (err) {
      if (err instanceof GlobSyntaxError) {
        throw this.fail(`invalid pattern ${JSON.stringify(pattern)}: ${err.message}`, { pattern });
      }
      if (err instanceof ReplacementTooLarge) throw this.tooLarge();
      throw err;
    }
  }

  private fail(reason: string, extra?: Record<string, unknown>) {
    return expansionError(ErrorCode.INVALID_ARGUMENT, this.word, this.scanner.offset, reason, extra);
  }

  private unsupported(operator: string) {
    return expansionError(
      ErrorCode.UNSUPPORTED,
      this.word,
      this.scanner.offset,
      `the ${operator} form is not supported in Dockerfiles`,
      { operator },
    );
  }
}
