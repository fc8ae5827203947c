/** Dockerfile word expansion: variables, quotes and escapes, with BuildKit's lexer semantics. */
export { createShellLexer } from './lexer.ts';
export type { Environment, Expansion, ShellLexer, ShellLexerOptions } from './types.ts';
