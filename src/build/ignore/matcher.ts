/** The matcher a build filters its context with. */
import { ErrorCode, OciError } from '../../errors/index.ts';
import { cleanPath, cleanPattern, trimSpace } from './clean.ts';
import { IgnorePattern } from './pattern.ts';
import { patternSyntaxError } from './syntax.ts';
import type { IgnoreMatcher } from './types.ts';

/**
 * A matcher over `patterns` (as parseIgnoreFile gives them; raw lines are trimmed and cleaned
 * too), with moby's patternmatcher semantics: patterns are anchored at the context root, the
 * last pattern matching a path or one of its parent directories decides, and `!` patterns
 * re-include. Nothing is special about the Dockerfile or `.dockerignore`: as with BuildKit, an
 * excluded one cannot be copied (the build reads its Dockerfile on its own). Throws an
 * `INVALID_ARGUMENT` OciError, with `data.pattern` and `data.index`, for a lone `!` or a
 * malformed pattern.
 */
export function createIgnoreMatcher(patterns: readonly string[]): IgnoreMatcher {
  const compiled: IgnorePattern[] = [];
  patterns.forEach((line, index) => {
    let text = trimSpace(line);
    if (text === '') return;
    const exception = text.startsWith('!');
    if (exception) text = trimSpace(text.slice(1));
    if (exception && text === '') throw invalid(line, index, 'a lone ! excludes nothing');
    text = cleanPattern(text);
    // `!/` names the context root, which cannot be re-included (patternmatcher cleans it to `!`).
    if (exception && text === '/') throw invalid(line, index, 'a lone ! excludes nothing');
    const error = patternSyntaxError(text);
    if (error !== undefined) throw invalid(line, index, error);
    compiled.push(new IgnorePattern(text, exception));
  });
  const exceptions = compiled.filter((p) => p.exception);

  return {
    ignores(path: string): boolean {
      const file = normalize(path);
      if (file === '.') return false;
      let ignored = false;
      for (const pattern of compiled) {
        // Only a pattern that could change the answer is tried.
        if (pattern.exception !== ignored) continue;
        if (pattern.matchesOrParent(file)) ignored = !pattern.exception;
      }
      return ignored;
    },
    mayReinclude(directory: string): boolean {
      const dir = normalize(directory);
      if (dir === '.') return exceptions.length > 0;
      return exceptions.some((p) => p.mayMatchAtOrBelow(dir));
    },
  };
}

/** A context path in the form patterns are matched against: relative, cleaned. */
function normalize(path: string): string {
  const cleaned = cleanPath(path);
  return cleaned.startsWith('/') ? cleanPath(cleaned.slice(1)) : cleaned;
}

function invalid(pattern: string, index: number, reason: string): OciError {
  return new OciError(
    ErrorCode.INVALID_ARGUMENT,
    `invalid ignore pattern ${JSON.stringify(pattern)}: ${reason}`,
    {
      data: { pattern, index, reason },
    },
  );
}
