/**
 * Go's `time.ParseDuration`, which HEALTHCHECK's flags use: a signed sequence of decimal numbers,
 * each with an optional fraction and a unit (`ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`, `h`), such as
 * `300ms`, `1.5h` or `2h45m`; a bare `0` is allowed. Exact to the nanosecond, up to Go's limit of
 * 2^63-1 ns.
 */

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n],
  ['μs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);
const LIMIT = 1n << 63n;

/** Why a duration was refused. */
export class DurationError extends Error {}

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/** Parses `text` to nanoseconds (negative allowed); throws {@link DurationError} when malformed or too large. */
export function parseGoDuration(text: string): bigint {
  let s = text;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw new DurationError('invalid duration');
  let total = 0n;
  let i = 0;
  while (i < s.length) {
    if (!(s[i] === '.' || isDigit(s[i]))) throw new DurationError('invalid duration');
    const intStart = i;
    let whole = 0n;
    while (isDigit(s[i])) {
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > LIMIT) throw new DurationError('duration out of range');
      i++;
    }
    const hasWhole = i > intStart;
    let fraction = 0n;
    let scale = 1;
    let hasFraction = false;
    if (s[i] === '.') {
      i++;
      const fracStart = i;
      let overflow = false;
      while (isDigit(s[i])) {
        if (!overflow) {
          const next = fraction * 10n + BigInt(s.charCodeAt(i) - 48);
          if (fraction > (LIMIT - 1n) / 10n || next > LIMIT) overflow = true;
          else {
            fraction = next;
            scale *= 10;
          }
        }
        i++;
      }
      hasFraction = i > fracStart;
    }
    if (!hasWhole && !hasFraction) throw new DurationError('invalid duration');
    const unitStart = i;
    while (i < s.length && s[i] !== '.' && !isDigit(s[i])) i++;
    if (i === unitStart) throw new DurationError('missing unit in duration');
    const unitName = s.slice(unitStart, i);
    const unit = UNITS.get(unitName);
    if (unit === undefined)
      throw new DurationError(`unknown unit ${JSON.stringify(unitName.slice(0, 20))} in duration`);
    if (whole > LIMIT / unit) throw new DurationError('duration out of range');
    let value = whole * unit;
    if (fraction > 0n) {
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (value > LIMIT) throw new DurationError('duration out of range');
    }
    total += value;
    if (total > LIMIT) throw new DurationError('duration out of range');
  }
  if (negative) return -total;
  if (total > LIMIT - 1n) throw new DurationError('duration out of range');
  return total;
}
