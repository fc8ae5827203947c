/** Property tests: hostile specifiers only give OciError; formatted platforms parse back. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { OciError } from '../../src/errors/index.ts';
import {
  formatPlatformAll,
  normalizePlatform,
  parsePlatform,
  platformMatches,
} from '../../src/platform/index.ts';
import type { Platform } from '../../src/spec/types.ts';

const specChar = fc.constantFrom(...'aZ09_-./()+%*é \n'.split(''), 'linux', 'arm', 'v7', 'windows', 'amd64');

test('any specifier parses or throws OciError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: specChar, maxLength: 30 })), (spec) => {
      try {
        parsePlatform(spec);
      } catch (err) {
        assert.ok(err instanceof OciError, `non-OciError for ${JSON.stringify(spec)}: ${String(err)}`);
      }
    }),
    { numRuns: 3000 },
  );
});

const word = fc.stringMatching(/^[a-z0-9_]{1,8}$/);
const option = fc.string({ unit: fc.constantFrom(...'a1._-%+()/'.split('')), minLength: 1, maxLength: 8 });
const platform = fc.record(
  {
    os: word,
    architecture: word,
    variant: word,
    'os.version': option,
    'os.features': fc.array(option, { minLength: 1, maxLength: 3 }),
  },
  { requiredKeys: ['os', 'architecture'] },
);

test('formatPlatformAll output parses back to a platform matching the normalised original', () => {
  fc.assert(
    fc.property(platform, (p: Platform) => {
      const parsed = parsePlatform(formatPlatformAll(p));
      const normal = normalizePlatform(p);
      assert.equal(parsed['os.version'], normal['os.version']);
      assert.deepEqual(normalizePlatform(parsed)['os.features'], normal['os.features']);
      assert.ok(platformMatches(parsed, p), `${formatPlatformAll(p)} does not match ${JSON.stringify(p)}`);
    }),
    { numRuns: 2000 },
  );
});
