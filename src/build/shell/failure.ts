/** The errors of expansion: OciErrors that name the word and the place in it. */
import { type ErrorCode, OciError } from '../../errors/index.ts';

const SHOWN = 120;

/**
 * An expansion error: `cannot expand "WORD": REASON`, with `data.word`, `data.offset` (code
 * points consumed when the problem was found) and `data.reason`. Long words are shortened in
 * the message, never in `data`.
 */
export function expansionError(
  code: typeof ErrorCode.INVALID_ARGUMENT | typeof ErrorCode.UNSUPPORTED | typeof ErrorCode.TOO_LARGE,
  word: string,
  offset: number,
  reason: string,
  extra: Record<string, unknown> = {},
): OciError {
  const shown = word.length > SHOWN ? `${word.slice(0, SHOWN)}…` : word;
  return new OciError(code, `cannot expand ${JSON.stringify(shown)}: ${reason}`, {
    data: { word, offset, reason, ...extra },
  });
}
