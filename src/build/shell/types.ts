/**
 * The contract of shell-word expansion (BuildKit's frontend/dockerfile/shell lexer), as the build
 * uses it: words are expanded with the environment in scope, quotes and escapes removed.
 */

/** The variables in scope, looked up by name (case-sensitive, as on Linux). */
export type Environment = ReadonlyMap<string, string>;

/** The result of expanding one word, with the names it read (for unused build-arg warnings and cache keys). */
export interface Expansion<T> {
  readonly result: T;
  /** Variables the word referred to that were set. */
  readonly matched: ReadonlySet<string>;
  /** Variables the word referred to that were not set. */
  readonly unmatched: ReadonlySet<string>;
}

/** A shell lexer bound to one escape character (`\` by default, `` ` `` with `# escape=`). */
export interface ShellLexer {
  /** Expands `word` to one string (ENV values, LABEL, WORKDIR, USER, …). */
  processWord(word: string, env: Environment): Expansion<string>;
  /** Expands `word` and splits it on unquoted whitespace (COPY/ADD sources, EXPOSE, VOLUME …). */
  processWords(word: string, env: Environment): Expansion<string[]>;
}

/**
 * How a lexer treats quotes, escapes and unset variables. The defaults are what instructions
 * use; the others serve the parser (finding heredoc delimiters) and the build (step names,
 * heredoc bodies), as BuildKit's lexer flags do.
 */
export interface ShellLexerOptions {
  /** Keep quote characters in the result (their content is still treated as quoted). */
  readonly rawQuotes?: boolean;
  /** Keep escape characters in the result (the escaped character is still taken literally). */
  readonly rawEscapes?: boolean;
  /** Leave references to unset variables as written (`$X`, `${X}`, `${X:-w}`) instead of expanding them. */
  readonly skipUnsetEnv?: boolean;
  /** Treat `'` and `"` as ordinary characters (heredoc bodies). */
  readonly skipProcessQuotes?: boolean;
}
