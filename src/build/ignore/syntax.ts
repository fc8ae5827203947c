/**
 * The pattern syntax moby's patternmatcher accepts (Go's filepath.Match grammar): `\` escapes the
 * next character and may not end a pattern; `[` opens a class of one or more members (`c` or
 * `lo-hi`, `\` escaping a member, an optional leading `^` negating) closed by `]`, where a
 * member cannot begin with `-` or `]`. Ranges must also run upwards (Go's regexp refuses them
 * otherwise, when the pattern is first used).
 */

/** Why `pattern` is malformed, or undefined when it is well formed. */
export function patternSyntaxError(pattern: string): string | undefined {
  const chars = Array.from(pattern);
  let pos = 0;
  /** One class member character, `\` escapes allowed; a string on error. */
  const member = (): string | { error: string } => {
    let ch = chars[pos];
    if (ch === undefined) return { error: 'unterminated character class' };
    if (ch === '-' || ch === ']') return { error: `a character class member cannot start with ${ch}` };
    if (ch === '\\') {
      pos++;
      ch = chars[pos];
      if (ch === undefined) return { error: 'unterminated character class' };
    }
    pos++;
    if (pos >= chars.length) return { error: 'unterminated character class' };
    return ch;
  };
  while (pos < chars.length) {
    const ch = chars[pos++]!;
    if (ch === '\\') {
      if (pos >= chars.length) return 'a pattern cannot end with \\';
      pos++;
    } else if (ch === '[') {
      if (chars[pos] === '^') pos++;
      for (let members = 0; ; members++) {
        if (chars[pos] === ']' && members > 0) {
          pos++;
          break;
        }
        const lo = member();
        if (typeof lo !== 'string') return lo.error;
        let hi = lo;
        if (chars[pos] === '-') {
          pos++;
          const upper = member();
          if (typeof upper !== 'string') return upper.error;
          hi = upper;
        }
        if (lo.codePointAt(0)! > hi.codePointAt(0)!) return `the character range ${lo}-${hi} runs backwards`;
      }
    }
  }
  return undefined;
}
