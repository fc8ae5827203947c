/**
 * Character classes of the shell lexer, on single code points (strings of one character), as
 * BuildKit's lexer sees them through Go's unicode package.
 */

const SPACES = new Set([
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  ' ',
  '\u0085',
  '\u00A0',
  '\u1680',
  '\u2000',
  '\u2001',
  '\u2002',
  '\u2003',
  '\u2004',
  '\u2005',
  '\u2006',
  '\u2007',
  '\u2008',
  '\u2009',
  '\u200A',
  '\u2028',
  '\u2029',
  '\u202F',
  '\u205F',
  '\u3000',
]);

/** True for white space in Unicode's sense (Go's `unicode.IsSpace`): these split words. */
export function isSpace(ch: string): boolean {
  return SPACES.has(ch);
}

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/** True for a letter in any script (Unicode category L). */
export function isLetter(ch: string): boolean {
  return LETTER.test(ch);
}

/** True for a decimal digit in any script (Unicode category Nd). */
export function isDigit(ch: string): boolean {
  return DIGIT.test(ch);
}

/** True for a character that can continue a variable name: a letter, a digit or `_`. */
export function isNameChar(ch: string): boolean {
  return ch === '_' || isLetter(ch) || isDigit(ch);
}

const SPECIAL_PARAMETERS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

/** True for the one-character special parameters of POSIX sh (`$@ $* $# $? $- $$ $! $0`). */
export function isSpecialParameter(ch: string): boolean {
  return SPECIAL_PARAMETERS.has(ch);
}
