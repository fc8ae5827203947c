/**
 * registries.conf in `ocikit sync`, as containers/image applies it to each pull, against `skopeo
 * sync` with the same file and YAML on two real Distribution registries: a mirror holding an
 * image serves it (its digest, not the origin's, lands at the destination), an image the mirror
 * lacks comes from the origin, a `digest-only` mirror serves only digest-pinned images, and a
 * blocked source registry is refused with an error naming the file, nothing written.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { ok, registryImages } from './sync-fixtures.ts';

describe('ocikit sync through registries.conf mirrors, as skopeo sync', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let origin: RunningRegistry;
  let mirror: RunningRegistry;
  let target: RunningRegistry;
  let atOrigin: string; // origin's app:1
  let atMirror: string; // mirror's app:1 (other content)
  let onlyOrigin: string; // origin's solo:1, absent from the mirror

  async function push(content: string, destination: string): Promise<string> {
    const root = join(dir, `root-${content}`);
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'f'), content);
    await ok(['append', 'scratch', root, '-t', destination]);
    return ok(['digest', destination]);
  }

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  before(async () => {
    dir = await makeDir();
    [origin, mirror, target] = await Promise.all([startRegistry(), startRegistry(), startRegistry()]);
    atOrigin = await push('origin', `${origin.host}/app:1`);
    atMirror = await push('mirror', `${mirror.host}/app:1`);
    onlyOrigin = await push('solo', `${origin.host}/solo:1`);
  });
  after(async () => {
    await Promise.all([origin?.stop(), mirror?.stop(), target?.stop()]);
  });

  const skopeoSync = (conf: string, yaml: string, destination: string) =>
    run('skopeo', [
      '--registries-conf',
      conf,
      'sync',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      yaml,
      destination,
    ]);

  test('the mirror serves what it holds, the origin the rest: the same digests as skopeo sync', async () => {
    const conf = await file(
      'mirror.conf',
      `[[registry]]\nprefix = "${origin.host}"\nlocation = "${origin.host}"\n[[registry.mirror]]\nlocation = "${mirror.host}"\ninsecure = true\n`,
    );
    const yaml = await file(
      'images.yaml',
      `${origin.host}:\n  tls-verify: false\n  images:\n    app: ["1"]\n    solo: ["1"]\n`,
    );
    await skopeoSync(conf, yaml, `${target.host}/sk`);
    const synced = await ocikit([
      '--registries-conf',
      conf,
      'sync',
      '--src',
      'yaml',
      yaml,
      `${target.host}/oc`,
    ]);
    assert.equal(synced.code, 0, synced.stderr);
    assert.match(synced.stderr, new RegExp(`pulling ${origin.host}/app:1 from mirror ${mirror.host}/app:1`));
    const fromOcikit = await registryImages(target.host, 'oc');
    assert.deepEqual(fromOcikit, await registryImages(target.host, 'sk'));
    assert.deepEqual(fromOcikit, { 'app:1': atMirror, 'solo:1': onlyOrigin });
  });

  test('a digest-only mirror serves digest-pinned images only', async () => {
    const conf = await file(
      'digest-only.conf',
      `[[registry]]\nprefix = "${origin.host}"\nlocation = "${origin.host}"\n[[registry.mirror]]\nlocation = "${mirror.host}"\ninsecure = true\npull-from-mirror = "digest-only"\n`,
    );
    const yaml = await file(
      'pinned.yaml',
      `${origin.host}:\n  tls-verify: false\n  images:\n    app: ["1", "${atMirror}"]\n`,
    );
    await ok([
      '--registries-conf',
      conf,
      'sync',
      '-q',
      '--src',
      'yaml',
      '--dest',
      'oci',
      yaml,
      join(dir, 'pinned'),
    ]);
    // The tag came from the origin; the digest (which only the mirror holds) from the mirror.
    assert.equal(await ok(['digest', `oci:${join(dir, 'pinned', 'app')}:1`]), atOrigin);
    assert.equal(
      await ok(['digest', `oci:${join(dir, 'pinned', 'app')}:${atMirror.slice('sha256:'.length)}`]),
      atMirror,
    );
  });

  test('a blocked source registry is refused, naming the file, with nothing written (skopeo fails too)', async () => {
    const conf = await file(
      'blocked.conf',
      `[[registry]]\nprefix = "${origin.host}"\nlocation = "${origin.host}"\nblocked = true\n`,
    );
    const yaml = await file(
      'blocked.yaml',
      `${origin.host}:\n  tls-verify: false\n  images:\n    app: ["1"]\n`,
    );
    await assert.rejects(skopeoSync(conf, yaml, `${target.host}/skblocked`), /registry .* is blocked/);
    const refused = await ocikit([
      '--registries-conf',
      conf,
      'sync',
      '--src',
      'yaml',
      yaml,
      `${target.host}/ocblocked`,
    ]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`DENIED: registry ${origin.host} is blocked in ${conf}`));
    assert.deepEqual(await registryImages(target.host, 'ocblocked'), {});

    // Listing the tags of a blocked registry is refused the same way.
    const listing = await file(
      'listing.yaml',
      `${origin.host}:\n  tls-verify: false\n  images:\n    app: []\n`,
    );
    const listed = await ocikit([
      '--registries-conf',
      conf,
      'sync',
      '--src',
      'yaml',
      listing,
      `${target.host}/ocblocked`,
    ]);
    assert.equal(listed.code, 1);
    assert.match(listed.stderr, /DENIED: registry .* is blocked/);
  });
});
