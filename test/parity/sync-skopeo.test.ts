/**
 * `ocikit sync` against `skopeo sync` on the same source registry: the same YAML (listed images,
 * tags by pattern) gives the same images and digests at the destination; `images-by-semver`
 * selects the tags a semver range admits (the installed skopeo predates that key, so its result
 * for the same tags listed by name is the reference); `--dest dir` names folders as skopeo does;
 * `--dest oci` writes one layout per repository that skopeo reads back.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { expectedImages, ok, registryImages, type SyncSource, startSyncSource } from './sync-fixtures.ts';

async function skopeo(args: string[]): Promise<string> {
  return run('skopeo', args);
}

describe('ocikit sync and skopeo sync', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let source: SyncSource;
  let target: RunningRegistry;
  after(async () => {
    await source?.registry.stop();
    await target?.stop();
  });

  before(async () => {
    dir = await makeDir();
    source = await startSyncSource(dir);
    target = await startRegistry();
  });

  test('the same YAML (listed images, tags by pattern) gives the same images and digests', async () => {
    const yaml = join(dir, 'regex.yaml');
    await writeFile(
      yaml,
      `${source.registry.host}:\n  tls-verify: false\n  images:\n    tools: []\n    ns/deep: ["0.9.0"]\n` +
        `  images-by-tag-regex:\n    app: '^(1\\.|lat)'\n`,
    );
    await skopeo([
      'sync',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      yaml,
      `${target.host}/sk`,
    ]);
    await ok(['sync', '-q', '--src', 'yaml', '--dest', 'docker', yaml, `${target.host}/oc`]);
    const fromSkopeo = await registryImages(target.host, 'sk');
    const fromOcikit = await registryImages(target.host, 'oc');
    assert.deepEqual(fromOcikit, fromSkopeo);
    // skopeo names each image by its last path element, so ns/deep lands as deep.
    assert.deepEqual(
      fromOcikit,
      expectedImages(
        source,
        { app: ['1.0.0', '1.2.0', 'latest'], tools: ['v1.0', 'v2.3.4', 'keep-a'], 'ns/deep': ['0.9.0'] },
        (r) => r.split('/').pop() as string,
      ),
    );
  });

  test('images-by-semver selects the versions in the range, as skopeo copies them listed by name', async () => {
    const semverYaml = join(dir, 'semver.yaml');
    await writeFile(
      semverYaml,
      `${source.registry.host}:\n  tls-verify: false\n  images-by-semver:\n    app: ">= 1.1.0 < 3"\n    tools: "^2"\n`,
    );
    // Pre-releases (2.1.0-rc.1) and non-versions (latest, dev, keep-a) are left out; v2.3.4 is a version.
    const listed = join(dir, 'listed.yaml');
    await writeFile(
      listed,
      `${source.registry.host}:\n  tls-verify: false\n  images:\n    app: ["1.2.0", "2.0.0"]\n    tools: ["v2.3.4"]\n`,
    );
    await skopeo([
      'sync',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      listed,
      `${target.host}/sksemver`,
    ]);
    await ok(['sync', '-q', '--src', 'yaml', semverYaml, `${target.host}/ocsemver`]);
    assert.deepEqual(
      await registryImages(target.host, 'ocsemver'),
      await registryImages(target.host, 'sksemver'),
    );
    assert.deepEqual(
      await registryImages(target.host, 'ocsemver'),
      expectedImages(source, { app: ['1.2.0', '2.0.0'], tools: ['v2.3.4'] }),
    );
  });

  test('a repository to dir: folders, named as skopeo names them, --scoped with the source name', async () => {
    for (const scoped of [false, true]) {
      const flags = scoped ? ['--scoped'] : [];
      const sk = join(dir, `sk-dir-${scoped}`);
      const oc = join(dir, `oc-dir-${scoped}`);
      await skopeo([
        'sync',
        '--src',
        'docker',
        '--dest',
        'dir',
        '--src-tls-verify=false',
        ...flags,
        `${source.registry.host}/tools`,
        sk,
      ]);
      await ok(['sync', '-q', '--dest', 'dir', ...flags, `${source.registry.host}/tools`, oc]);
      const listing = async (root: string) =>
        (await readdir(root, { recursive: true })).filter((p) => p.endsWith('manifest.json')).sort();
      assert.deepEqual(await listing(oc), await listing(sk));
      assert.ok((await listing(oc)).length === 3);
      for (const path of await listing(oc)) {
        const folder = join(oc, path, '..');
        assert.equal(
          await ok(['digest', `dir:${folder}`]),
          await ok(['digest', `dir:${join(sk, path, '..')}`]),
        );
      }
    }
  });

  test('a whole registry to OCI layouts, one per repository, every tag readable by skopeo', async () => {
    const out = join(dir, 'layouts');
    await ok(['sync', '-q', '--dest', 'oci', source.registry.host, out]);
    assert.deepEqual((await readdir(out)).sort(), ['app', 'deep', 'tools']);
    for (const [repository, tags] of Object.entries({
      app: ['1.0.0', '2.1.0-rc.1', 'latest', 'dev'],
      tools: ['keep-a'],
    })) {
      for (const tag of tags) {
        const expected = expectedImages(source, { [repository]: [tag] })[`${repository}:${tag}`];
        const raw = await skopeo(['inspect', '--raw', `oci:${join(out, repository)}:${tag}`]);
        assert.equal(JSON.parse(raw).schemaVersion, 2);
        assert.equal(await ok(['digest', `oci:${join(out, repository)}:${tag}`]), expected);
      }
    }
    await ok(['fsck', join(out, 'app')]);
  });
});
