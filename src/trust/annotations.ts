/** The annotation check of verification: every annotation asked for must be signed, with that value. */
import { rejection } from './rejection.ts';

/**
 * Throws an `annotation-mismatch` rejection unless `signed` (the annotations a verified payload
 * carries) holds every key of `wanted` with exactly that string value. Extra signed keys are fine.
 */
export function checkAnnotations(
  signed: Record<string, unknown> | null | undefined,
  wanted: Record<string, string> | undefined,
): void {
  for (const [key, value] of Object.entries(wanted ?? {})) {
    const have = signed != null && Object.hasOwn(signed, key) ? signed[key] : undefined;
    if (have !== value) {
      const found =
        have === undefined ? 'it is not signed' : `it is signed as ${JSON.stringify(have)?.slice(0, 200)}`;
      throw rejection(
        'annotation-mismatch',
        `annotation ${JSON.stringify(key)}=${JSON.stringify(value)} was asked for, but ${found}`,
        {
          annotation: key,
        },
      );
    }
  }
}
