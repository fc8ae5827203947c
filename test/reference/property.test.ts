/** Property tests: hostile strings only ever give OciError; formatted references round-trip. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { OciError } from '../../src/errors/index.ts';
import {
  familiarString,
  formatReference,
  parseReference,
  type Reference,
} from '../../src/reference/index.ts';

const hostileChar = fc.constantFrom(
  ...'aAzZ09.:/@_-[]%+ \n\u0000é'.split(''),
  'sha256:',
  'ffffffffffffffff',
  'localhost',
  'docker.io',
);
const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: hostileChar, maxLength: 40 }),
  fc.string({ unit: 'binary' }),
);

function parseOrError(input: string): Reference | OciError {
  try {
    return parseReference(input);
  } catch (err) {
    assert.ok(err instanceof OciError, `non-OciError for ${JSON.stringify(input)}: ${String(err)}`);
    return err;
  }
}

test('any string parses or throws OciError, and every parse round-trips', () => {
  fc.assert(
    fc.property(hostile, (input) => {
      const parsed = parseOrError(input);
      if (parsed instanceof OciError) return;
      assert.deepEqual(parseReference(formatReference(parsed)), parsed);
      assert.deepEqual(parseReference(familiarString(parsed)), parsed);
    }),
    { numRuns: 5000 },
  );
});

const component = fc
  .array(fc.stringMatching(/^[a-z0-9]{1,5}$/), { minLength: 1, maxLength: 3 })
  .chain((parts) => fc.constantFrom('.', '_', '__', '-', '---').map((sep) => parts.join(sep)));
const reference = fc.record({
  registry: fc.constantFrom(
    'docker.io',
    'localhost:5000',
    'r.example',
    'LOCALDOMAIN',
    '[::1]:5000',
    '127.0.0.1',
  ),
  path: fc.array(component, { minLength: 1, maxLength: 4 }),
  tag: fc.option(fc.stringMatching(/^[\w][\w.-]{0,20}$/), { nil: undefined }),
  digest: fc.option(fc.stringMatching(/^[a-f0-9]{64}$/), { nil: undefined }),
});

test('generated valid references re-parse to the same reference', () => {
  fc.assert(
    fc.property(reference, ({ registry, path, tag, digest }) => {
      const repository =
        registry === 'docker.io' && path.length === 1 ? `library/${path[0]}` : path.join('/');
      const ref: Reference = {
        registry,
        repository,
        ...(tag === undefined ? {} : { tag }),
        ...(digest === undefined ? {} : { digest: `sha256:${digest}` as never }),
      };
      assert.deepEqual(parseReference(formatReference(ref)), ref);
      assert.deepEqual(parseReference(familiarString(ref)), ref);
    }),
    { numRuns: 2000 },
  );
});
