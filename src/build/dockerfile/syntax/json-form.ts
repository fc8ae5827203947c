/**
 * The exec (JSON) form of arguments (Dockerfile reference, "Shell and exec form"): a JSON array of
 * strings. Text that starts with `[` but is not valid JSON is shell form, as in BuildKit; a valid
 * array holding anything but strings is an error.
 */

/** Thrown when the arguments are a JSON array with an element that is not a string. */
export class NotStringArrayError extends Error {}

/**
 * The array's strings when `text` is a JSON array of strings; undefined when it is not JSON (the
 * caller then takes shell form). Lone UTF-16 surrogates become U+FFFD, as Go's decoder gives them.
 */
export function parseJsonArray(text: string): string[] | undefined {
  if (!text.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const strings: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') throw new NotStringArrayError();
    strings.push(item.toWellFormed());
  }
  return strings;
}
