/** .dockerignore: reading the file and matching context paths, with moby's patternmatcher semantics. */
export { createIgnoreMatcher } from './matcher.ts';
export { parseIgnoreFile } from './parse.ts';
export { readIgnorePatterns } from './read.ts';
export type { IgnoreMatcher } from './types.ts';
