/**
 * Splits an instruction into its keyword, its flags (`--name=value` words before the arguments)
 * and the rest. Flags lose their quotes and escapes (`--from="a b"` is `--from=a b`); a lone `--`
 * ends the flags; the first word that does not start with `--` starts the arguments.
 */
import { isBlank, isGoSpace, trimGoSpace } from './chars.ts';

/** One flag as written, quotes removed, and where it starts in the instruction's text. */
export interface FlagWord {
  readonly text: string;
  readonly offset: number;
}

/** An instruction taken apart. Offsets are into the joined instruction text. */
export interface SplitCommand {
  readonly keyword: string;
  readonly keywordOffset: number;
  readonly flags: readonly FlagWord[];
  /** The arguments, trimmed. */
  readonly rest: string;
  readonly restOffset: number;
}

/** Splits `line` (one joined instruction) with `escapeChar` as the escape character. */
export function splitCommand(line: string, escapeChar: string): SplitCommand {
  const trimmed = trimGoSpace(line);
  let end = 0;
  while (end < trimmed.text.length && !isBlank(trimmed.text[end])) end++;
  const keyword = trimmed.text.slice(0, end);
  const base = { keyword, keywordOffset: trimmed.start };
  if (end === trimmed.text.length) return { ...base, flags: [], rest: '', restOffset: line.length };
  while (end < trimmed.text.length && isBlank(trimmed.text[end])) end++;
  const argsOffset = trimmed.start + end;
  const { flags, restStart } = extractFlags(trimmed.text.slice(end), escapeChar);
  const rest = trimGoSpace(trimmed.text.slice(end + restStart));
  return {
    ...base,
    flags: flags.map((flag) => ({ text: flag.text, offset: argsOffset + flag.offset })),
    rest: rest.text,
    restOffset: argsOffset + restStart + rest.start,
  };
}

/** Reads `--flag` words from the start of `text`; `restStart` is where the arguments begin. */
function extractFlags(text: string, escapeChar: string): { flags: FlagWord[]; restStart: number } {
  const flags: FlagWord[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isGoSpace(text[i] as string)) i++;
    if (i >= text.length) return { flags, restStart: text.length };
    if (text[i] !== '-' || text[i + 1] !== '-') return { flags, restStart: i };
    const start = i;
    let word = '';
    let quoted = false;
    let quote = '';
    while (i < text.length) {
      const ch = text[i] as string;
      if (quote === '' && isGoSpace(ch)) break;
      i++;
      if (quote === '' && (ch === '"' || ch === "'")) {
        quote = ch;
        quoted = true;
        continue;
      }
      if (quote !== '' && ch === quote) {
        quote = '';
        continue;
      }
      if (ch === escapeChar) {
        if (i >= text.length) {
          quote = '';
          continue;
        }
        word += text[i];
        i++;
        continue;
      }
      word += ch;
    }
    if (word === '--') return { flags, restStart: i };
    if (quoted || word !== '') flags.push({ text: word, offset: start });
  }
}
