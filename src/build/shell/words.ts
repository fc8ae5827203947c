/** Splitting an expanded word on unquoted white space. */
import { isSpace } from './chars.ts';

/**
 * Collects the words of one expansion. Text that came from quotes or escapes is added raw (its
 * spaces do not split); plain text and substitution results are split on white space. A quoted
 * empty string makes no word (BuildKit's rule).
 */
export class WordSplitter {
  private readonly done: string[] = [];
  private current = '';

  /** Adds one unquoted character: white space ends the current word. */
  addChar(ch: string): void {
    if (isSpace(ch)) this.flush();
    else this.current += ch;
  }

  /** Adds unquoted text, such as the value of a variable. */
  addString(text: string): void {
    for (const ch of text) this.addChar(ch);
  }

  /** Adds quoted or escaped text as it is. */
  addRaw(text: string): void {
    this.current += text;
  }

  /** The words collected. */
  finish(): string[] {
    this.flush();
    return this.done;
  }

  private flush(): void {
    if (this.current === '') return;
    this.done.push(this.current);
    this.current = '';
  }
}
