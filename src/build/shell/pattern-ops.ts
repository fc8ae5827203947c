/** The three pattern operators of expansion: prefix removal, suffix removal, replacement. */
import { compileGlob, matchEnds, reverseGlobSource } from './glob.ts';

/** A replacement whose result would pass the length it was allowed. */
export class ReplacementTooLarge extends Error {}

/** `${V#p}` (shortest) and `${V##p}` (longest, `greedy`): `value` without the prefix `pattern` matches. */
export function removePrefix(value: string, pattern: string, greedy: boolean): string {
  const text = Array.from(value);
  const end = matchEnds(compileGlob(pattern), text, greedy)[0]!;
  return end < 0 ? value : text.slice(end).join('');
}

/** `${V%p}` (shortest) and `${V%%p}` (longest, `greedy`): `value` without the suffix `pattern` matches. */
export function removeSuffix(value: string, pattern: string, greedy: boolean): string {
  const reversed = Array.from(value).reverse();
  const end = matchEnds(compileGlob(reverseGlobSource(pattern)), reversed, greedy)[0]!;
  return end < 0 ? value : reversed.slice(end).reverse().join('');
}

/**
 * `${V/p/r}` and, with `all`, `${V//p/r}`: the leftmost match (each `*` as long as possible) is
 * replaced by `replacement`, taken literally. With `all` the search goes on after each match (one
 * character further after an empty one), and an empty match right after a match is left alone,
 * as Go's ReplaceAllString does. Throws {@link ReplacementTooLarge} as soon as the result would be
 * longer than `maxLength` characters (each match may insert the whole replacement).
 */
export function replaceMatches(
  value: string,
  pattern: string,
  replacement: string,
  all: boolean,
  maxLength = Number.POSITIVE_INFINITY,
): string {
  const text = Array.from(value);
  const ends = matchEnds(compileGlob(pattern), text, true);
  let out = '';
  let lastEnd = 0;
  let search = 0;
  while (search <= text.length) {
    let start = search;
    while (start <= text.length && ends[start]! < 0) start++;
    if (start > text.length) break;
    const end = ends[start]!;
    out += text.slice(lastEnd, start).join('');
    if (end > lastEnd || start === 0) out += replacement;
    if (out.length + (text.length - end) > maxLength) throw new ReplacementTooLarge();
    lastEnd = end;
    if (!all) break;
    search = end > search ? end : search + 1;
  }
  return out + text.slice(lastEnd).join('');
}
