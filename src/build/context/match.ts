/**
 * Go's `path/filepath.Match` on `/`-separated names, which COPY and ADD sources use for wildcards
 * (Dockerfile reference "COPY": "matching is done using Go's filepath.Match rules"):
 * `*` is any run of characters other than `/`, `?` one such character, `[...]` a class (`^`
 * negates, `a-z` ranges, `\` escapes), and `\x` the character x. A malformed pattern matches
 * nothing, as it does where BuildKit ignores Match's error.
 */

/** True when `pattern` contains an unescaped `*`, `?` or `[` (BuildKit's containsWildcards). */
export function hasWildcards(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** Outcome of matching one chunk: the unmatched rest of the name, or a failure, or a bad pattern. */
type ChunkResult = { ok: true; rest: string[] } | { ok: false; bad: boolean };

/** Reads one (possibly escaped) character of a class; undefined for a syntax error. */
function classChar(chunk: string[], at: number): { char: string; next: number } | undefined {
  let i = at;
  const c = chunk[i];
  if (c === undefined || c === '-' || c === ']') return undefined;
  if (c === '\\') {
    i++;
    if (chunk[i] === undefined) return undefined;
  }
  const char = chunk[i] as string;
  i++;
  if (chunk[i] === undefined) return undefined;
  return { char, next: i };
}

/** Matches a chunk (no `*`) against the start of `name`, checking the chunk's syntax to its end. */
function matchChunk(chunk: string[], name: string[]): ChunkResult {
  let failed = false;
  let s = 0;
  let i = 0;
  while (i < chunk.length) {
    if (!failed && s >= name.length) failed = true;
    const c = chunk[i] as string;
    if (c === '[') {
      const r = failed ? '' : (name[s++] as string);
      i++;
      let negated = false;
      if (chunk[i] === '^') {
        negated = true;
        i++;
      }
      let matched = false;
      let ranges = 0;
      for (;;) {
        if (chunk[i] === ']' && ranges > 0) {
          i++;
          break;
        }
        const lo = classChar(chunk, i);
        if (lo === undefined) return { ok: false, bad: true };
        let hi = lo;
        if (chunk[lo.next] === '-') {
          const high = classChar(chunk, lo.next + 1);
          if (high === undefined) return { ok: false, bad: true };
          hi = high;
        }
        i = hi.next;
        if (!failed && lo.char <= r && r <= hi.char) matched = true;
        ranges++;
      }
      if (matched === negated) failed = true;
      continue;
    }
    if (c === '?') {
      if (!failed) {
        if (name[s] === '/') failed = true;
        s++;
      }
      i++;
      continue;
    }
    let literal = c;
    if (c === '\\') {
      i++;
      if (i >= chunk.length) return { ok: false, bad: true };
      literal = chunk[i] as string;
    }
    if (!failed) {
      if (name[s] !== literal) failed = true;
      s++;
    }
    i++;
  }
  return failed ? { ok: false, bad: false } : { ok: true, rest: name.slice(s) };
}

/** Splits off the leading stars and the chunk up to the next unescaped `*` outside a class. */
function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let start = 0;
  while (pattern[start] === '*') start++;
  let inClass = false;
  let i = start;
  for (; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '*' && !inClass) break;
  }
  return { star: start > 0, chunk: pattern.slice(start, i), rest: pattern.slice(i) };
}

/** True when `name` matches `pattern` under Go filepath.Match rules (a malformed pattern never matches). */
export function goMatch(pattern: string, name: string): boolean {
  let pat = [...pattern];
  let rest = [...name];
  outer: while (pat.length > 0) {
    const { star, chunk, rest: after } = scanChunk(pat);
    pat = after;
    if (star && chunk.length === 0) return !rest.includes('/');
    const first = matchChunk(chunk, rest);
    if (first.ok && (first.rest.length === 0 || pat.length > 0)) {
      rest = first.rest;
      continue;
    }
    if (!first.ok && first.bad) return false;
    if (star) {
      for (let i = 0; i < rest.length && rest[i] !== '/'; i++) {
        const attempt = matchChunk(chunk, rest.slice(i + 1));
        if (attempt.ok) {
          if (pat.length === 0 && attempt.rest.length > 0) continue;
          rest = attempt.rest;
          continue outer;
        }
        if (attempt.bad) return false;
      }
    }
    return false;
  }
  return rest.length === 0;
}
