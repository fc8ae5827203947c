/** The shell lexer the build expands Dockerfile words with. */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { WordProcessor } from './processor.ts';
import type { Environment, Expansion, ShellLexer, ShellLexerOptions } from './types.ts';

/**
 * A lexer bound to one escape character (`\`, or `` ` `` with `# escape=` in the Dockerfile)
 * and options. Expansion follows BuildKit's Dockerfile lexer: quotes and escapes are removed,
 * unset variables expand to nothing, and malformed or unsupported forms throw an `OciError`
 * (`INVALID_ARGUMENT` or `UNSUPPORTED`; `TOO_LARGE` past `MAX_EXPANDED_WORD`) naming the word.
 * Lexers hold no state between calls.
 */
export function createShellLexer(escapeChar: '\\' | '`' = '\\', options: ShellLexerOptions = {}): ShellLexer {
  if (escapeChar !== '\\' && escapeChar !== '`') {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `the escape character must be \\ or \`, not ${JSON.stringify(escapeChar)}`,
      {
        data: { escape: escapeChar },
      },
    );
  }
  const settings = { ...options };
  const expand = <T>(
    word: string,
    env: Environment,
    pick: (text: string, words: string[]) => T,
  ): Expansion<T> => {
    const processor = new WordProcessor(word, env, escapeChar, settings);
    const { text, words } = processor.run();
    return { result: pick(text, words), matched: processor.matched, unmatched: processor.unmatched };
  };
  return {
    processWord: (word, env) => expand(word, env, (text) => text),
    processWords: (word, env) => expand(word, env, (_, words) => words),
  };
}
