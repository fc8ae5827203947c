/** image-layout.md "oci-layout file" (spec-checklist §2, §8 "layout", tricky case 19). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOciLayout } from '../../src/spec/index.ts';
import { assertOciError, bytesOf } from './fixtures.ts';

test('oci-layout "1.0.0" is accepted and unknown fields are kept', () => {
  const layout = parseOciLayout(bytesOf('{"imageLayoutVersion": "1.0.0", "com.example.x": 1}'));
  assert.deepEqual(layout, { imageLayoutVersion: '1.0.0', 'com.example.x': 1 });
});

test('oci-layout with an unquoted 1.0.0 is not valid JSON', () => {
  assertOciError(
    () => parseOciLayout(bytesOf('{"imageLayoutVersion": 1.0.0}')),
    'INVALID_DOCUMENT',
    /^not valid JSON/,
  );
});

test('oci-layout "1.0.1" is refused (the schema enum)', () => {
  assertOciError(
    () => parseOciLayout(bytesOf({ imageLayoutVersion: '1.0.1' })),
    'INVALID_DOCUMENT',
    /^imageLayoutVersion: must be "1.0.0"$/,
  );
});

test('oci-layout version as a number is refused', () => {
  assertOciError(
    () => parseOciLayout(bytesOf({ imageLayoutVersion: 1 })),
    'INVALID_DOCUMENT',
    /^imageLayoutVersion: /,
  );
});

test('oci-layout without imageLayoutVersion is refused', () => {
  assertOciError(() => parseOciLayout(bytesOf({})), 'INVALID_DOCUMENT', /^imageLayoutVersion: is required$/);
});

test('oci-layout that is not an object is refused', () => {
  assertOciError(
    () => parseOciLayout(bytesOf('"1.0.0"')),
    'INVALID_DOCUMENT',
    /^must be a JSON object, not a string$/,
  );
});
