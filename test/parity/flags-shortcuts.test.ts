/**
 * crane's and skopeo's small look-up commands: `ocikit manifest IMAGE` and `ocikit config IMAGE`
 * print the exact bytes (as `crane manifest` / `crane config`; compared with skopeo's raw
 * output), and `ocikit manifest-digest FILE` prints what `skopeo manifest-digest FILE` prints.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run, runBuffer } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';

describe('manifest, config and manifest-digest', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let oci: string;
  let docker: string;

  before(async () => {
    dir = await makeDir();
    await mkdir(join(dir, 'root'));
    await writeFile(join(dir, 'root/f'), 'x\n');
    oci = `oci:${join(dir, 'layout')}:app`;
    // skopeo 1.9 finds tags only on OCI-typed layout entries: the Docker image goes in a dir: folder.
    docker = `dir:${join(dir, 'docker')}`;
    const made = await ocikit(['append', 'scratch', join(dir, 'root'), '-t', oci]);
    assert.equal(made.code, 0, made.stderr);
    const copied = await ocikit(['copy', '-q', '--format', 'docker', oci, docker]);
    assert.equal(copied.code, 0, copied.stderr);
  });

  test('manifest and config print the exact bytes skopeo reads', async () => {
    for (const image of [oci, docker]) {
      const manifest = await ocikit(['manifest', image]);
      assert.equal(manifest.code, 0, manifest.stderr);
      assert.deepEqual(manifest.stdout, await runBuffer('skopeo', ['inspect', '--raw', image]));
      const config = await ocikit(['config', image]);
      assert.equal(config.code, 0, config.stderr);
      assert.deepEqual(config.stdout, await runBuffer('skopeo', ['inspect', '--config', '--raw', image]));
    }
  });

  test('manifest-digest agrees with skopeo manifest-digest, OCI and Docker', async () => {
    for (const [name, image] of [
      ['oci.json', oci],
      ['docker.json', docker],
    ] as const) {
      const file = join(dir, name);
      await writeFile(file, await runBuffer('skopeo', ['inspect', '--raw', image]));
      const ours = await ocikit(['manifest-digest', file]);
      assert.equal(ours.code, 0, ours.stderr);
      assert.equal(ours.out, (await run('skopeo', ['manifest-digest', file])).trim());
    }
    const missing = await ocikit(['manifest-digest', join(dir, 'nope.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^ocikit: NOT_FOUND: /m);
    const big = join(dir, 'big.json');
    await writeFile(big, `{"x":"${'a'.repeat(5 * 1024 * 1024)}"}`);
    const refused = await ocikit(['manifest-digest', big]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^ocikit: TOO_LARGE: /m);
    // A schema 1 manifest's digest leaves out its signatures: refused rather than miscomputed.
    const schema1 = join(dir, 'schema1.json');
    await writeFile(schema1, JSON.stringify({ schemaVersion: 1, name: 'a', tag: 'b', fsLayers: [] }));
    const old = await ocikit(['manifest-digest', schema1]);
    assert.equal(old.code, 1);
    assert.match(old.stderr, /^ocikit: UNSUPPORTED: .*schema 1/m);
  });
});
