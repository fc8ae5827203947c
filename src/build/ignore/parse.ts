/** Reading the lines of a .dockerignore file into patterns. */
import { cleanPattern, trimSpace } from './clean.ts';

/**
 * The patterns of a .dockerignore file, as moby's ignorefile reads it: a byte-order mark at the
 * start is dropped; a line starting with `#` is a comment (only in the first column); lines
 * are trimmed and blank ones skipped; each pattern is cleaned as a path and a leading `/` is
 * dropped, an exception keeping its `!` in front. Nothing is refused here: createIgnoreMatcher
 * checks the patterns.
 */
export function parseIgnoreFile(text: string): string[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const patterns: string[] = [];
  for (const line of body.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    let pattern = trimSpace(line);
    if (pattern === '') continue;
    const exception = pattern.startsWith('!');
    if (exception) pattern = trimSpace(pattern.slice(1));
    if (pattern !== '') pattern = cleanPattern(pattern);
    patterns.push(exception ? `!${pattern}` : pattern);
  }
  return patterns;
}
