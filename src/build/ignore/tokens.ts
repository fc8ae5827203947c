/** The elements a compiled ignore pattern is made of. */

/** A character class: code point ranges, possibly negated; it can match `/` too. */
export interface CharClass {
  readonly kind: 'class';
  readonly negated: boolean;
  readonly ranges: readonly (readonly [number, number])[];
}

/**
 * One element of a pattern: a literal character; `?` (one character but `/`); `*` (a run of
 * characters without `/`); a class; a trailing `**` (a run of anything but a newline); `**`
 * then `/` inside a pattern (nothing, or a run of anything but a newline that ends with `/`).
 */
export type PatternToken =
  | { readonly kind: 'char'; readonly ch: string }
  | { readonly kind: 'one' | 'star' | 'rest' | 'dirs' }
  | CharClass;

/** True when `ch` is a member of `cls`. */
export function inClass(cls: CharClass, ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  const member = cls.ranges.some(([lo, hi]) => lo <= cp && cp <= hi);
  return member !== cls.negated;
}
