/**
 * The patterns of `${V#p}`, `${V%p}` and `${V/p/r}`: `*` (any run of characters), `?` (one
 * character), `\` escaping `*`, `?` and itself, every other character literal (brackets too, as
 * in BuildKit). BuildKit turns them into Go regular expressions, where `.` stops at a newline;
 * the same results come here from a dynamic program over (pattern position, text position),
 * which takes time proportional to their product whatever the pattern, where a backtracking
 * regular expression can take exponential time.
 */

/** One element of a compiled pattern. */
export type GlobToken = { readonly kind: 'char'; readonly ch: string } | { readonly kind: 'any' | 'star' };

/** Why a pattern was refused. */
export class GlobSyntaxError extends Error {}

/**
 * Compiles a pattern. `\}` and `\/` stand for `}` and `/` (they had to be escaped inside
 * `${...}`); `\` before anything but `*`, `?`, `\`, `}` or `/` is an error.
 */
export function compileGlob(pattern: string): GlobToken[] {
  const chars = Array.from(pattern);
  const tokens: GlobToken[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '*') tokens.push({ kind: 'star' });
    else if (ch === '?') tokens.push({ kind: 'any' });
    else if (ch === '\\') {
      const next = chars[i + 1];
      if (next === '}' || next === '/') continue;
      if (next !== '*' && next !== '?' && next !== '\\') {
        throw new GlobSyntaxError(
          next === undefined ? 'a pattern cannot end with \\' : `invalid escape \\${next}`,
        );
      }
      tokens.push({ kind: 'char', ch: next });
      i++;
    } else tokens.push({ kind: 'char', ch });
  }
  return tokens;
}

/**
 * Reverses a pattern's source so that matching it against the reversed text finds a suffix;
 * an escape stays in front of the character it escapes.
 */
export function reverseGlobSource(pattern: string): string {
  const chars = Array.from(pattern);
  const out: string[] = [];
  for (let i = 0; i < chars.length; ) {
    if (chars[i] === '\\' && i < chars.length - 1) {
      out.push(chars[i + 1]!, '\\');
      i += 2;
    } else out.push(chars[i++]!);
  }
  return out.reverse().join('');
}

/**
 * For every start position in `text`, where the match that a leftmost-first regular expression
 * (Go's and Perl's preference order: each `*` as long as possible when `greedy`, as short as
 * possible otherwise) would find from there ends, or -1 when none starts there.
 */
export function matchEnds(
  tokens: readonly GlobToken[],
  text: readonly string[],
  greedy: boolean,
): Int32Array {
  const m = tokens.length;
  const n = text.length;
  const ends = new Int32Array(n + 1);
  let next = new Int32Array(m + 1).fill(-1); // row for position + 1
  let row = new Int32Array(m + 1);
  for (let pos = n; pos >= 0; pos--) {
    const ch = text[pos];
    const consumable = ch !== undefined && ch !== '\n';
    row[m] = pos;
    for (let i = m - 1; i >= 0; i--) {
      const token = tokens[i]!;
      if (token.kind === 'char') row[i] = ch === token.ch ? next[i + 1]! : -1;
      else if (token.kind === 'any') row[i] = consumable ? next[i + 1]! : -1;
      else {
        const longer = consumable ? next[i]! : -1;
        const stop = row[i + 1]!;
        row[i] = greedy ? (longer !== -1 ? longer : stop) : stop !== -1 ? stop : longer;
      }
    }
    ends[pos] = row[0]!;
    [next, row] = [row, next];
  }
  return ends;
}
