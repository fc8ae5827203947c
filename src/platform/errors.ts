import { ErrorCode, OciError } from '../errors/index.ts';

/** An INVALID_PLATFORM error naming the (truncated) specifier and why it was refused. */
export function invalidPlatform(specifier: string, reason: string): OciError {
  const shown = specifier.length > 200 ? `${specifier.slice(0, 200)}…` : specifier;
  return new OciError(ErrorCode.INVALID_PLATFORM, `invalid platform ${JSON.stringify(shown)}: ${reason}`, {
    data: { platform: shown, reason },
  });
}
