/**
 * Word splitting of ENV, LABEL and ARG arguments: words end at unquoted whitespace; quotes and
 * escapes stay in the words (the build removes them when it expands the word).
 */
import { isGoSpace } from './chars.ts';

/**
 * Splits `text` into words, keeping quotes and escapes. An escape character outside single quotes
 * keeps the next character in the word (even a quote or a space); one at the very end is dropped.
 * An empty quoted word (`""`) is kept.
 */
export function splitWords(text: string, escapeChar: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let blankOk = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote !== '') {
      if (ch === escapeChar && quote !== "'") {
        if (i + 1 === text.length) {
          quote = '';
          continue;
        }
        word += ch;
        i++;
        word += text[i];
        continue;
      }
      if (ch === quote) quote = '';
      word += ch;
      continue;
    }
    if (isGoSpace(ch)) {
      if (inWord && (blankOk || word !== '')) words.push(word);
      inWord = false;
      word = '';
      blankOk = false;
      continue;
    }
    inWord = true;
    if (ch === '"' || ch === "'") {
      quote = ch;
      blankOk = true;
    } else if (ch === escapeChar) {
      if (i + 1 === text.length) continue;
      word += ch;
      i++;
      word += text[i];
      continue;
    }
    word += ch;
  }
  if (inWord && (blankOk || word !== '')) words.push(word);
  return words;
}
