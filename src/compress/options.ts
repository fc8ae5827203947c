/** Validation of the numeric options of the compressors: bad values fail early with INVALID_ARGUMENT. */
import { ErrorCode, OciError } from '../errors/index.ts';

/** Returns `value` (or `fallback` when undefined) after checking it is an integer within [min, max]. */
export function integerOption(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const actual = value ?? fallback;
  if (!Number.isInteger(actual) || actual < min || actual > max) {
    throw new OciError(
      ErrorCode.INVALID_ARGUMENT,
      `${name} must be an integer from ${min} to ${max}, got ${String(actual)}`,
      {
        data: { option: name, value: actual, min, max },
      },
    );
  }
  return actual;
}
