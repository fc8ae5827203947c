/**
 * Compiling a cleaned ignore pattern the way moby's patternmatcher classifies it: an exact name,
 * a prefix (`dir/**`), a suffix (a leading `**` and no other wildcard, as `**` then `/name`), or a
 * token sequence for everything else.
 */
import type { CharClass, PatternToken } from './tokens.ts';

/** A compiled pattern. For `prefix` and `suffix`, `text` is what the path must start or end with. */
export type CompiledPattern =
  | { readonly kind: 'exact' | 'prefix' | 'suffix'; readonly text: string }
  | { readonly kind: 'tokens'; readonly tokens: readonly PatternToken[] };

/** Compiles `pattern`, which must be cleaned and well formed (see patternSyntaxError). */
export function compilePattern(pattern: string): CompiledPattern {
  const chars = Array.from(pattern);
  const tokens: PatternToken[] = [];
  let kind: 'exact' | 'prefix' | 'suffix' | 'tokens' = 'exact';
  let pos = 0;
  for (let step = 0; pos < chars.length; step++) {
    const ch = chars[pos++]!;
    if (ch === '*' && chars[pos] === '*') {
      pos++;
      if (chars[pos] === '/') pos++;
      if (pos === chars.length) {
        if (kind === 'exact') kind = 'prefix';
        else {
          tokens.push({ kind: 'rest' });
          kind = 'tokens';
        }
      } else {
        tokens.push({ kind: 'dirs' });
        kind = 'tokens';
      }
      if (step === 0) kind = 'suffix';
    } else if (ch === '*' || ch === '?') {
      tokens.push({ kind: ch === '*' ? 'star' : 'one' });
      kind = 'tokens';
    } else if (ch === '\\' && pos < chars.length) {
      tokens.push({ kind: 'char', ch: chars[pos++]! });
      kind = 'tokens';
    } else if (ch === '[') {
      const [cls, end] = readClass(chars, pos);
      tokens.push(cls);
      pos = end;
      kind = 'tokens';
    } else {
      tokens.push({ kind: 'char', ch });
      if (ch === ']') kind = 'tokens';
    }
  }
  if (kind === 'prefix') return { kind, text: pattern.slice(0, -2) };
  if (kind === 'suffix') return { kind, text: pattern.slice(2) };
  if (kind === 'exact') return { kind, text: pattern };
  return { kind, tokens };
}

/** Reads a well-formed class whose `[` is just before `start`; returns it and the position after `]`. */
function readClass(chars: readonly string[], start: number): [CharClass, number] {
  let pos = start;
  const negated = chars[pos] === '^';
  if (negated) pos++;
  const member = (): number => {
    if (chars[pos] === '\\') pos++;
    return chars[pos++]!.codePointAt(0)!;
  };
  const ranges: (readonly [number, number])[] = [];
  while (!(chars[pos] === ']' && ranges.length > 0)) {
    const lo = member();
    let hi = lo;
    if (chars[pos] === '-') {
      pos++;
      hi = member();
    }
    ranges.push([lo, hi]);
  }
  return [{ kind: 'class', negated, ranges }, pos + 1];
}
