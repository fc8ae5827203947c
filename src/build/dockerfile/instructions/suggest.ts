/** "Did you mean …?" hints for misspelt keywords and flags (edit distance below 3, as BuildKit). */

/** Longest input compared; longer words are too far from any keyword or flag anyway. */
const MAX_LENGTH = 64;

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The closest of `options` to `value` when it is at most 2 edits away (ties: the first listed) and
 * not equal; compared case-insensitively unless `caseSensitive`, and then given in `value`'s case.
 */
export function suggest(
  value: string,
  options: readonly string[],
  caseSensitive: boolean,
): string | undefined {
  if (value.length > MAX_LENGTH) return undefined;
  const wanted = caseSensitive ? value : value.toLowerCase();
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of options) {
    const candidate = caseSensitive ? option : option.toLowerCase();
    if (candidate === wanted) return undefined;
    const d = distance(wanted, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined || caseSensitive) return best;
  if (value === value.toUpperCase()) return best.toUpperCase();
  return best;
}
