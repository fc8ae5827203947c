/** Cleaning patterns and paths the way Go's filepath.Clean and strings.TrimSpace do (moby's ignore files use both). */
import { isSpace } from '../shell/chars.ts';

/** `text` without leading and trailing Unicode white space (a byte-order mark is not white space). */
export function trimSpace(text: string): string {
  const chars = Array.from(text);
  let start = 0;
  let end = chars.length;
  while (start < end && isSpace(chars[start]!)) start++;
  while (end > start && isSpace(chars[end - 1]!)) end--;
  return chars.slice(start, end).join('');
}

/**
 * The shortest path naming the same file, lexically: repeated slashes, `.` elements and
 * `name/..` pairs go, a trailing slash goes, `..` at the root of an absolute path goes; an empty
 * result is `.`.
 */
export function cleanPath(path: string): string {
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const cleaned = (rooted ? '/' : '') + out.join('/');
  return cleaned === '' ? '.' : cleaned;
}

/** A pattern as a .dockerignore line gives it: cleaned, and relative to the context (a leading `/` dropped). */
export function cleanPattern(pattern: string): string {
  const cleaned = cleanPath(pattern);
  return cleaned.length > 1 && cleaned.startsWith('/') ? cleaned.slice(1) : cleaned;
}
