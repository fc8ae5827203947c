/**
 * Errors that name their place in a Dockerfile the way BuildKit prints them: `Dockerfile:LINE: …`,
 * with the file, lines and (where known) the column in `data`.
 */
import { type ErrorCode, OciError } from '../../errors/index.ts';

/** A place in a Dockerfile: 1-based lines (inclusive) and an optional 1-based column on `line`. */
export interface DockerfilePlace {
  readonly file: string;
  readonly line: number;
  readonly endLine?: number;
  readonly column?: number;
}

/**
 * An OciError whose message starts with `FILE:LINE: ` and whose `data` holds `file`, `line`,
 * `endLine`, `column` (when known) and `reason` (the message without the place).
 */
export function dockerfileError(
  code: ErrorCode,
  place: DockerfilePlace,
  reason: string,
  cause?: unknown,
): OciError {
  const data: Record<string, unknown> = {
    file: place.file,
    line: place.line,
    endLine: place.endLine ?? place.line,
    reason,
  };
  if (place.column !== undefined) data.column = place.column;
  return new OciError(code, `${place.file}:${place.line}: ${reason}`, {
    data,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A value shown in a message: JSON-quoted and cut to 80 characters, so hostile input stays readable. */
export function quoted(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/** A value shown in a message without quotes: control characters escaped, cut to 80 characters. */
export function escaped(value: string): string {
  return quoted(value).slice(1, -1);
}
