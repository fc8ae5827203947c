/**
 * Errors of a RUN step, worded as BuildKit words them (`process "/bin/sh -c exit 3" did not
 * complete successfully: exit code: 3`) and prefixed with the step's place (`Dockerfile:LINE`).
 */
import { ErrorCode, OciError } from '../../errors/index.ts';
import type { StepPlace } from './types.ts';

/** `Dockerfile:LINE: ` for a place, or nothing. */
function prefix(place: StepPlace | undefined): string {
  return place === undefined ? '' : `${place.file}:${place.line}: `;
}

/** The place as error data (file and line, as the engine's own errors carry them). */
function placeData(place: StepPlace | undefined): Record<string, unknown> {
  return place === undefined ? {} : { file: place.file, line: place.line };
}

/** COMMAND_FAILED for a process that exited non-zero: its place, its argv and its exit code in message and data. */
export function commandFailed(
  place: StepPlace | undefined,
  argv: readonly string[],
  exitCode: number,
): OciError {
  return new OciError(
    ErrorCode.COMMAND_FAILED,
    `${prefix(place)}process ${JSON.stringify(argv.join(' '))} did not complete successfully: exit code: ${exitCode}`,
    { data: { ...placeData(place), command: [...argv], exitCode } },
  );
}

/** An error of the step's own machinery (bad user, runtime failure), with the place prefixed. */
export function stepError(
  place: StepPlace | undefined,
  code: ErrorCode,
  message: string,
  data: Record<string, unknown> = {},
  cause?: unknown,
): OciError {
  return new OciError(code, `${prefix(place)}${message}`, {
    data: { ...placeData(place), ...data },
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** `err` with the step's place added to its message and data, unless it has one (or is an abort). */
export function placed(place: StepPlace | undefined, err: unknown): unknown {
  if (place === undefined || !(err instanceof OciError) || err.code === ErrorCode.ABORTED) return err;
  if (typeof err.data.line === 'number') return err;
  return stepError(place, err.code, err.message, err.data, err);
}
