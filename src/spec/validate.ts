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
    case 'too_small':
      if (issue.origin === 'string' && Number(issue.minimum) === 1) return 'must not be empty';
      return `must be at least ${issue.minimum}${issue.origin === 'string' ? ' characters long' : ''}`;
    case 'too_big':
      return `must be at most ${issue.maximum}${issue.origin === 'string' ? ' characters long' : issue.origin === 'array' ? ' items' : ''}`;
    case 'invalid_key':
      return `has a key that ${issue.issues[0]?.message ?? 'is invalid'}`;
    case 'unrecognized_keys':
      return `has unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    default:
      return issue.message ?? issue.code;
  }
}

/** Where a value breaks a schema, and the rule in plain words. */
export interface SchemaProblem {
  path: (string | number)[];
  message: string;
}

/** The first way `value` breaks `schema`, in plain words, or undefined when it conforms. */
export function firstProblem(schema: core.$ZodType, value: unknown): SchemaProblem | undefined {
  const result = safeParse(schema, value, { error: describe });
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  return { path: (issue?.path ?? []) as (string | number)[], message: issue?.message ?? 'is invalid' };
}

/**
 * Checks `value` with `schema`; on failure throws INVALID_DOCUMENT for the first issue, its path
 * prefixed with `basePath`. On success returns `value` itself, typed as `T`: zod's output is not
 * used, so every field (even one named `__proto__`, which zod drops) and the key order survive.
 */
export function validate<T>(schema: core.$ZodType, value: unknown, basePath = ''): T {
  const problem = firstProblem(schema, value);
  if (problem === undefined) return value as T;
  throw invalidDocument(formatPath(problem.path, basePath), problem.message);
}
