/**
 * Character classes of BuildKit's Dockerfile parser, which is written in Go: "space" there is Go's
 * `unicode.IsSpace` (JavaScript's `\s` without U+FEFF, plus U+0085), and words of FROM, EXPOSE,
 * COPY and friends are split on ASCII blanks only.
 */

const GO_SPACE = /[\s\u0085]/u;

/** Go's `unicode.IsSpace` for one character (a code point as a string). */
export function isGoSpace(ch: string): boolean {
  return ch !== '\uFEFF' && GO_SPACE.test(ch);
}

/** Index of the first character of `text` at or after `from` that is not a Go space. */
export function skipGoSpace(text: string, from = 0): number {
  let i = from;
  while (i < text.length && isGoSpace(text[i] as string)) i++;
  return i;
}

/** Go's `strings.TrimSpace`: the start offset kept and the trimmed text. */
export function trimGoSpace(text: string): { readonly start: number; readonly text: string } {
  const start = skipGoSpace(text);
  let end = text.length;
  while (end > start && isGoSpace(text[end - 1] as string)) end--;
  return { start, text: text.slice(start, end) };
}

/** The blanks that separate a keyword from its arguments, and FROM/EXPOSE/COPY words (`[\t\v\f\r ]`). */
export function isBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\v' || ch === '\f' || ch === '\r';
}

/** Splits on runs of blanks (`[\t\v\f\r ]+`); `text` is already trimmed and not empty. */
export function splitBlanks(text: string): string[] {
  return text.split(/[\t\v\f\r ]+/);
}

/** Splits at the first run of blanks into at most two parts (Go's `regexp.Split(s, 2)`). */
export function splitBlanksOnce(text: string): string[] {
  const match = /[\t\v\f\r ]+/.exec(text);
  if (match === null) return [text];
  return [text.slice(0, match.index), text.slice(match.index + match[0].length)];
}
