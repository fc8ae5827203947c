/**
 * `ocikit build` against `buildah bud --layers --format docker`: multi-stage builds (--target,
 * stages by name and index, FROM a stage, ONBUILD of a stage, ARGs that pick stages); and the
 * table as a whole: enough cases, each named once (test/build/peer-cases.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIG_CASES, COPY_CASES, STAGE_CASES } from './peer-cases.ts';
import { describePeerCases } from './peer-suite.ts';

test('the comparison has at least 60 cases, each named once', () => {
  const names = [...COPY_CASES, ...CONFIG_CASES, ...STAGE_CASES].map((c) => c.name);
  assert.ok(names.length >= 60, `${names.length} cases`);
  assert.equal(new Set(names).size, names.length, 'duplicate case names');
});

describePeerCases('multi-stage builds, built by ocikit and by buildah', STAGE_CASES);
