/**
 * Expanding instruction words with the stage's variables (BuildKit's shell lexer, src/build/shell),
 * in exactly the places the Dockerfile reference lists: ADD, COPY, ENV, EXPOSE, FROM, LABEL,
 * STOPSIGNAL, USER, VOLUME, WORKDIR and ARG defaults (never CMD, ENTRYPOINT, SHELL, HEALTHCHECK,
 * MAINTAINER or ONBUILD).
 */
import type { BuildSession } from '../session.ts';
import type { Environment } from '../shell/types.ts';

/** One word expanded to one string. */
export function expandWord(session: BuildSession, env: Environment, word: string): string {
  return session.lexer.processWord(word, env).result;
}

/** One word expanded and split on unquoted whitespace. */
export function expandWords(session: BuildSession, env: Environment, word: string): string[] {
  return session.lexer.processWords(word, env).result;
}

/** A heredoc body expanded as BuildKit expands COPY heredocs: quotes are ordinary characters. */
export function expandBody(session: BuildSession, env: Environment, body: string): string {
  return session.bodyLexer.processWord(body, env).result;
}
