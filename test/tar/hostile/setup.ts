/**
 * The frame of every hostile-archive test: a root to apply into and, beside it, a canary directory
 * OUTSIDE the root whose snapshot (paths, modes, nanosecond mtimes, sizes, link counts) must not
 * change whatever the archive does.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { isOciError } from '../../../src/errors/index.ts';
import { applyLayer } from '../../../src/tar/index.ts';
import { type HostileEntry, hostileTar } from '../../helpers/hostile-tar.ts';
import { scratch } from '../../helpers/tmp.ts';
import { canarySnapshot } from '../../helpers/tree-snapshot.ts';

/** A root and its canary. `canary` is absolute; `canaryFromRoot` is `../canary`. */
export interface Arena {
  base: string;
  root: string;
  canary: string;
  /** Asserts that nothing under the canary changed. */
  assertCanaryUntouched(): void;
  /** Applies layers in order. */
  apply(...layers: HostileEntry[][]): Promise<void>;
  /** Applies layers and expects the last one to fail with `code` (UNSAFE_PATH by default). */
  expectRefused(layers: HostileEntry[][], code?: string): Promise<void>;
}

/** Builds the arena: `base/root` (empty) and `base/canary` with a file, a subdir and a secret. */
export async function arena(t: TestContext): Promise<Arena> {
  const base = await scratch(t, 'ocikit-hostile-');
  const root = `${base}/root`;
  const canary = `${base}/canary`;
  mkdirSync(root);
  mkdirSync(`${canary}/sub`, { recursive: true });
  writeFileSync(`${canary}/secret`, 'do not touch');
  writeFileSync(`${canary}/sub/file`, 'nested');
  const before = canarySnapshot(canary);
  const apply = async (...layers: HostileEntry[][]): Promise<void> => {
    for (const layer of layers) await applyLayer(root, [await hostileTar(layer)]);
  };
  return {
    base,
    root,
    canary,
    assertCanaryUntouched: () => assert.deepEqual(canarySnapshot(canary), before),
    apply,
    expectRefused: async (layers, code = 'UNSAFE_PATH') => {
      const last = layers[layers.length - 1] as HostileEntry[];
      await apply(...layers.slice(0, -1));
      await assert.rejects(applyLayer(root, [await hostileTar(last)]), (err) => {
        assert.ok(isOciError(err), `expected an OciError, got ${String(err)}`);
        assert.equal(err.code, code, err.message);
        return true;
      });
    },
  };
}
