import { ErrorCode, OciError } from '../errors/index.ts';

function shown(input: string): string {
  return JSON.stringify(input.length > 200 ? `${input.slice(0, 200)}…` : input);
}

/** An INVALID_REFERENCE error naming the (truncated) input and why it was refused. */
export function invalidReference(input: string, reason: string, cause?: unknown): OciError {
  return new OciError(ErrorCode.INVALID_REFERENCE, `invalid reference ${shown(input)}: ${reason}`, {
    data: { reference: input.length > 200 ? `${input.slice(0, 200)}…` : input, reason },
    ...(cause === undefined ? {} : { cause }),
  });
}
