/**
 * Expanding instruction words with the stage's variables (BuildKit's shell lexer, src/build/shell),
 * in exactly the places the Dockerfile reference lists: ADD, COPY, ENV, EXPOSE, FROM, LABEL,
 * STOPSIGNAL, USER, VOLUME, WORKDIR and ARG defaults (never CMD, ENTRYPOINT, SHELL, HEALTHCHECK,
 * MAINTAINER or ONBUILD).
 *
 * One word expands to at most the lexer's MAX_EXPANDED_WORD characters, and a whole build to at
 * most {@link MAX_EXPANDED_TOTAL}: expanded values end up in the config, its history and the cache
 * keys, so a few hundred short lines each pasting a large value would otherwise cost gigabytes.
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { BuildSession } from '../session.ts';
import type { Environment } from '../shell/types.ts';

/** Most characters the expansions of one build may produce together (all platforms). */
export const MAX_EXPANDED_TOTAL = 64 << 20;

const produced = new WeakMap<BuildSession, number>();

/** Counts `text` against the session's budget; TOO_LARGE once it is spent. */
function charge<T extends string | string[]>(session: BuildSession, result: T): T {
  const size = typeof result === 'string' ? result.length : result.reduce((n, w) => n + w.length, 0);
  const total = (produced.get(session) ?? 0) + size;
  produced.set(session, total);
  if (total > MAX_EXPANDED_TOTAL) {
    throw new OciError(
      ErrorCode.TOO_LARGE,
      `the expansions of this build produce more than ${MAX_EXPANDED_TOTAL} characters`,
      { data: { limit: MAX_EXPANDED_TOTAL } },
    );
  }
  return result;
}

/** One word expanded to one string. */
export function expandWord(session: BuildSession, env: Environment, word: string): string {
  return charge(session, session.lexer.processWord(word, env).result);
}

/** One word expanded and split on unquoted whitespace. */
export function expandWords(session: BuildSession, env: Environment, word: string): string[] {
  return charge(session, session.lexer.processWords(word, env).result);
}

/** A heredoc body expanded as BuildKit expands COPY heredocs: quotes are ordinary characters. */
export function expandBody(session: BuildSession, env: Environment, body: string): string {
  return charge(session, session.bodyLexer.processWord(body, env).result);
}
