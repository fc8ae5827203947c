/**
 * One test per case of the buildah comparison, run one after another against one base and one
 * buildah store made for the file (see peer-run.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeBuildahStore } from '../helpers/buildah.ts';
import { assertPeerCase, createPeerSuite, type PeerCase, type PeerSuite, runPeerCase } from './peer-run.ts';

/**
 * A fresh folder whose path is lower case: buildah makes an image name from the path of an
 * `oci:` base, and image names must be lower case (a mkdtemp suffix is not).
 */
async function lowerCaseScratch(): Promise<string> {
  const dir = join(
    existsSync('/dev/shm') ? '/dev/shm' : tmpdir(),
    `ocikit-peer-${randomBytes(6).toString('hex')}`,
  );
  if (dir !== dir.toLowerCase())
    throw new Error(`the temp folder ${dir} is not lower case, which buildah needs`);
  await mkdir(dir);
  return dir;
}

/** Declares a describe block with one test per case. */
export function describePeerCases(title: string, cases: readonly PeerCase[]): void {
  describe(title, () => {
    let dir: string | undefined;
    let suite: PeerSuite | undefined;
    before(async () => {
      dir = await lowerCaseScratch();
      suite = await createPeerSuite(dir);
    });
    after(async () => {
      if (suite !== undefined) await closeBuildahStore(suite.store);
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    });
    for (const c of cases) {
      test(c.name, async () => {
        assert.ok(suite, 'the suite was not set up');
        assertPeerCase(c, await runPeerCase(suite, c));
      });
    }
  });
}
