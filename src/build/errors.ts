/**
 * Errors of the build engine, named BuildKit's way: `Dockerfile:LINE: message`, with the file,
 * the lines and the instruction in `data`, so a caller can point at the place without parsing text.
 */
import { ErrorCode, OciError } from '../errors/index.ts';
import type { SourceRange } from './dockerfile/types.ts';

/** What an instruction-level error names: where it is, and what was written there. */
export interface ErrorPlace {
  readonly range: SourceRange;
  readonly original?: string;
}

/** The `Dockerfile:LINE` prefix of a place (the first line of a multi-line instruction). */
export function placeName(range: SourceRange): string {
  return `${range.file}:${range.startLine}`;
}

/**
 * An OciError naming `place` (`Dockerfile:3: message`). Code INVALID_ARGUMENT unless given:
 * UNSUPPORTED for features this build does not do, NOT_FOUND for missing sources.
 */
export function dockerfileError(
  place: ErrorPlace,
  message: string,
  code: ErrorCode = ErrorCode.INVALID_ARGUMENT,
  cause?: unknown,
): OciError {
  const { range } = place;
  return new OciError(code, `${placeName(range)}: ${message}`, {
    data: {
      file: range.file,
      line: range.startLine,
      endLine: range.endLine,
      reason: message,
      ...(place.original !== undefined ? { instruction: place.original } : {}),
    },
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * Runs `fn`; an OciError without a place gets this instruction's place in its message and data
 * (its code kept), so every failure of a step says where it happened. Aborts pass through.
 */
export async function atInstruction<T>(place: ErrorPlace, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw locate(place, err);
  }
}

/** `err` named with `place` unless it already names one (see {@link atInstruction}). */
export function locate(place: ErrorPlace, err: unknown): unknown {
  if (!(err instanceof OciError) || err.code === ErrorCode.ABORTED) return err;
  if (typeof err.data.line === 'number') return err;
  const located = dockerfileError(place, err.message, err.code, err);
  Object.assign(located.data, err.data, located.data);
  return located;
}
