/**
 * Runs a zod schema over an untrusted value and turns the first issue into one INVALID_DOCUMENT
 * error naming the JSON path and the rule (zod gives precise paths; we give plain words).
 */
import { type core, safeParse } from 'zod/mini';
import { formatPath, invalidDocument } from './errors.ts';
import { jsonTypeOf } from './rules.ts';

type Issue = core.$ZodRawIssue;

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
  record: 'an object',
};

/** Plain-words rule for a zod issue (used as the per-parse error map). */
function describe(issue: Issue): string {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const expected = ARTICLE[issue.expected] ?? issue.expected;
      return `must be ${expected}, not ${jsonTypeOf(issue.input)}`;
    }
    case 'invalid_value':
      if (issue.input === undefined) return 'is required';
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    case 'invalid_union':
      return `must be one of the allowed shapes, not ${jsonTypeOf(issue.input)}`;
    default:
      return issue.message ?? issue.code;
  }
}

/**
 * Checks `value` with `schema`; on failure throws INVALID_DOCUMENT for the first issue, its path
 * prefixed with `basePath`. On success returns `value` itself, typed as `T`: zod's output is not
 * used, so every field (even one named `__proto__`, which zod drops) and the key order survive.
 */
export function validate<T>(schema: core.$ZodType, value: unknown, basePath = ''): T {
  const result = safeParse(schema, value, { error: describe });
  if (result.success) return value as T;
  const issue = result.error.issues[0];
  if (issue === undefined) throw invalidDocument(basePath, 'is invalid');
  throw invalidDocument(formatPath(issue.path as (string | number)[], basePath), issue.message);
}
