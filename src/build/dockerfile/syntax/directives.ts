/**
 * Parser directives (Dockerfile reference, "Parser directives"): `# name=value` comment lines at the
 * very top of the file. The first line that is not one (an instruction, an empty line, any other
 * comment) ends them; names are case-insensitive; each may appear once; only `syntax`, `escape` and
 * `check` are directives, any other `# key=value` is a plain comment.
 */
import { ErrorCode } from '../../../errors/index.ts';
import { dockerfileError, quoted } from '../errors.ts';
import type { Directives } from '../types.ts';
import { skipGoSpace } from './chars.ts';

const KNOWN = new Set(['syntax', 'escape', 'check']);
const NAME = /^[a-zA-Z][a-zA-Z0-9]*/;

function isAsciiSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\f' || ch === '\r';
}

/**
 * `name = value` with blanks around `=` and after the value dropped, scanned by hand (a regular
 * expression with a lazy value and trailing blanks backtracks quadratically on long blank runs).
 * A value of blanks only is its last blank, as BuildKit's expression gives it.
 */
function splitDirective(body: string): { name: string; value: string } | undefined {
  const name = NAME.exec(body)?.[0];
  if (name === undefined) return undefined;
  let i = name.length;
  while (isAsciiSpace(body[i])) i++;
  if (body[i] !== '=') return undefined;
  const afterEquals = i + 1;
  i = afterEquals;
  while (isAsciiSpace(body[i])) i++;
  let end = body.length;
  while (end > i && isAsciiSpace(body[end - 1])) end--;
  if (end > i) return { name, value: body.slice(i, end) };
  return body.length > afterEquals ? { name, value: body.slice(-1) } : undefined;
}

/** Reads directives line by line until the first line that is not one. */
export class DirectiveReader {
  #done = false;
  readonly #seen = new Map<string, string>();

  readonly #file: string;

  constructor(file: string) {
    this.#file = file;
  }

  /**
   * Looks at one line (already without its newline and leading blanks). True when it was a
   * directive; throws INVALID_ARGUMENT for a repeated directive or an escape other than `\` and `` ` ``.
   */
  take(line: string, lineNumber: number): boolean {
    if (this.#done) return false;
    if (!line.startsWith('#')) {
      this.#done = true;
      return false;
    }
    const body = line.slice(1);
    const match = splitDirective(body.slice(skipGoSpace(body)));
    const name = match?.name.toLowerCase();
    if (match === undefined || name === undefined || !KNOWN.has(name)) {
      this.#done = true;
      return false;
    }
    const place = { file: this.#file, line: lineNumber, column: 1 };
    if (this.#seen.has(name)) {
      throw dockerfileError(
        ErrorCode.INVALID_ARGUMENT,
        place,
        `the ${name} parser directive is given more than once`,
      );
    }
    const value = match.value;
    if (name === 'escape' && value !== '\\' && value !== '`') {
      throw dockerfileError(
        ErrorCode.INVALID_ARGUMENT,
        place,
        `invalid escape directive ${quoted(value)}: the escape character must be \\ or \``,
      );
    }
    this.#seen.set(name, value);
    return true;
  }

  /** The escape character in force (`\` unless a directive set it). */
  get escape(): '\\' | '`' {
    return this.#seen.get('escape') === '`' ? '`' : '\\';
  }

  /** The directives seen. */
  result(): Directives {
    const syntax = this.#seen.get('syntax');
    const check = this.#seen.get('check');
    return {
      escape: this.escape,
      ...(syntax === undefined ? {} : { syntax }),
      ...(check === undefined ? {} : { check }),
    };
  }
}
