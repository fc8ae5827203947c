/**
 * Properties of .dockerignore matching over generated patterns and trees: a walker that skips
 * excluded directories when mayReinclude says so loses no path the matcher keeps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createIgnoreMatcher } from '../../src/build/ignore/index.ts';
import { OciError } from '../../src/errors/index.ts';

const segment = fc.constantFrom('a', 'b', 'ab', 'x.y', 'k');
const patternPart = fc.constantFrom('a', 'b', 'ab', '*', '**', '?', 'x.y', 'k', '[ab]', 'a*', '*b');
const pattern = fc
  .tuple(fc.boolean(), fc.array(patternPart, { minLength: 1, maxLength: 4 }))
  .map(([exception, parts]) => (exception ? '!' : '') + parts.join('/'));
const paths = fc.uniqueArray(
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/')),
  { maxLength: 20 },
);

test('skipping a directory is safe whenever mayReinclude says no', () => {
  fc.assert(
    fc.property(fc.array(pattern, { maxLength: 5 }), paths, (patterns, files) => {
      const matcher = createIgnoreMatcher(patterns);
      for (const file of files) {
        const parts = file.split('/');
        for (let i = 1; i < parts.length; i++) {
          const dir = parts.slice(0, i).join('/');
          if (matcher.ignores(dir) && !matcher.mayReinclude(dir)) {
            assert.equal(matcher.ignores(file), true, `${file} kept under skipped ${dir} (${patterns})`);
          }
        }
      }
    }),
    { numRuns: 3000 },
  );
});

test('any pattern list builds a matcher or fails with an OciError', () => {
  const unit = fc.constantFrom(
    'a',
    '*',
    '?',
    '[',
    ']',
    '^',
    '-',
    '\\',
    '/',
    '!',
    '.',
    ' ',
    '{',
    '(',
    '$',
    'é',
  );
  fc.assert(
    fc.property(
      fc.array(fc.string({ unit, maxLength: 8 }), { maxLength: 4 }),
      fc.string(),
      (patterns, path) => {
        try {
          const matcher = createIgnoreMatcher(patterns);
          assert.equal(typeof matcher.ignores(path), 'boolean');
          assert.equal(typeof matcher.mayReinclude(path), 'boolean');
        } catch (err) {
          if (!(err instanceof OciError)) throw err;
          assert.equal(err.code, 'INVALID_ARGUMENT');
        }
      },
    ),
    { numRuns: 3000 },
  );
});
