/**
 * Heredocs (Dockerfile reference, "Here-Documents"): `<<NAME` words in RUN, COPY and ADD (shell form
 * only, and inside ONBUILD), each followed by its body on the next lines up to a line that is exactly
 * NAME. `<<-NAME` allows the closing line and the body lines to start with tabs (stripped); quoting
 * any part of NAME (`<<"EOF"`, `<<'EOF'`, `<<E"O"F`) turns expansion of the body off. A file
 * descriptor may precede it (`3<<EOF`); `<<` may be followed by blanks (`<< EOF`).
 */
import { quoted } from '../errors.ts';
import { LexError, lexWords } from './heredoc-lexer.ts';

/** A heredoc word taken apart. */
export interface HeredocWord {
  readonly name: string;
  readonly expand: boolean;
  readonly chomp: boolean;
}

/** The heredoc name could not be read (an unbalanced quote, a malformed `${…}`). */
export class HeredocNameError extends Error {}

function isNameBlank(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\f' || ch === '\r';
}

function countQuotes(text: string): number {
  let n = 0;
  for (const ch of text) if (ch === '"' || ch === "'") n++;
  return n;
}

/**
 * Reads one word as a heredoc: `[digits]<<[-][blanks]NAME` where NAME holds no `<` and lexes to
 * exactly one word. Undefined when the word is not a heredoc; throws {@link HeredocNameError} when
 * NAME cannot be lexed.
 */
export function parseHeredocWord(word: string): HeredocWord | undefined {
  let i = 0;
  while (i < word.length && word.charCodeAt(i) >= 48 && word.charCodeAt(i) <= 57) i++;
  if (word[i] !== '<' || word[i + 1] !== '<') return undefined;
  i += 2;
  const chomp = word[i] === '-';
  if (chomp) i++;
  while (isNameBlank(word[i])) i++;
  const rest = word.slice(i);
  if (rest === '' || rest.includes('<')) return undefined;
  let words: string[];
  let raw: string[];
  try {
    words = lexWords(rest, { rawQuotes: false, rawEscapes: false });
    if (words.length !== 1) return undefined;
    raw = lexWords(rest, { rawQuotes: true, rawEscapes: false });
  } catch (err) {
    if (err instanceof LexError)
      throw new HeredocNameError(`cannot read the heredoc name in ${quoted(word)}: ${err.message}`);
    throw err;
  }
  const name = words[0] as string;
  if (raw.length !== 1) throw new HeredocNameError(`cannot read the heredoc name in ${quoted(word)}`);
  return { name, expand: countQuotes(name) === countQuotes(raw[0] as string), chomp };
}

/**
 * The heredocs of one instruction line, in order. A line whose words cannot be lexed (say, an
 * unbalanced quote) has none, as in BuildKit.
 */
export function heredocsInLine(line: string): HeredocWord[] {
  if (!line.includes('<<')) return [];
  let words: string[];
  try {
    words = lexWords(line, { rawQuotes: true, rawEscapes: true });
  } catch (err) {
    if (err instanceof LexError) return [];
    throw err;
  }
  const found: HeredocWord[] = [];
  for (const word of words) {
    const heredoc = parseHeredocWord(word);
    if (heredoc !== undefined) found.push(heredoc);
  }
  return found;
}

/** `<<-` bodies: leading tabs removed from every line. */
export function chompTabs(content: string): string {
  return content.replace(/(^|\n)\t+/g, '$1');
}
