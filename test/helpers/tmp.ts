/** Scratch directories for tests, on tmpfs when available, removed after the test. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

const BASE = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/** Creates a fresh directory removed when the test ends. */
export async function scratch(t: Pick<TestContext, 'after'>, prefix = 'ocikit-test-'): Promise<string> {
  const dir = await mkdtemp(join(BASE, prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Creates a fresh directory for a whole suite: call it from `before()`; it is removed by the
 * suite's `after()` hook, registered here at suite level.
 */
export function suiteScratch(
  after: (fn: () => Promise<void>) => void,
  prefix = 'ocikit-suite-',
): () => Promise<string> {
  let dir: string | undefined;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return async () => {
    dir ??= await mkdtemp(join(BASE, prefix));
    return dir;
  };
}
