/**
 * The memory governor's full-collection step: narrow by default (commands whose gzip workers'
 * output outlives young collections stay flat), wide once a command that compresses nothing asks
 * for it, for the rest of the process. Alone in its file: each test file runs in its own process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullCollectionGrowth, widenFullCollections } from '../../src/cli/memory-budget.ts';

test('the full-collection step is 6 MiB until a command widens it to 24 MiB, and stays wide', () => {
  assert.equal(fullCollectionGrowth(), 6 << 20);
  widenFullCollections();
  assert.equal(fullCollectionGrowth(), 24 << 20);
  widenFullCollections();
  assert.equal(fullCollectionGrowth(), 24 << 20);
});
