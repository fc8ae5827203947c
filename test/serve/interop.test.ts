/**
 * Real clients against `ocikit serve`: skopeo, buildah and ocikit push and pull single images and
 * a multi-platform index, OCI and Docker v2.2, and every digest survives the round trip. What is
 * pushed is an OCI layout on disk (`oci:ROOT/<repo>`), and what a layout holds is served.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createBuildahStore } from '../helpers/buildah.ts';
import { run } from '../helpers/exec.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';
import { makeImages, ok, serve } from './fixture.ts';

const INSECURE = ['--src-tls-verify=false', '--dest-tls-verify=false'];

/** sha256 of the manifest bytes skopeo reads for `image`. */
async function rawDigest(image: string): Promise<string> {
  const tls = image.startsWith('docker://') ? ['--tls-verify=false'] : [];
  const raw = await run('skopeo', ['inspect', '--raw', ...tls, image]);
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

describe('ocikit serve with real clients', () => {
  let images = '';
  const suiteDir = suiteScratch(after, 'ocikit-serve-images-');
  before(async () => {
    images = await makeImages(await suiteDir());
  });

  test('skopeo pushes a single image and a multi-platform index and pulls them back, digests preserved', async (t) => {
    const server = await serve(t);
    const out = await scratch(t);
    for (const tag of ['single', 'multi']) {
      const source = `oci:${images}:${tag}`;
      const pushed = `docker://${server.host}/org/app:${tag}`;
      await run('skopeo', ['copy', '--all', ...INSECURE, source, pushed]);
      assert.equal(
        await rawDigest(pushed),
        await rawDigest(source),
        `${tag}: the registry serves the pushed bytes`,
      );
      await run('skopeo', ['copy', '--all', ...INSECURE, pushed, `oci:${join(out, 'back')}:${tag}`]);
      assert.equal(await rawDigest(`oci:${join(out, 'back')}:${tag}`), await rawDigest(source));
      // What was pushed is an OCI layout on disk that other tools read as it is.
      assert.equal(await rawDigest(`oci:${join(server.root, 'org/app')}:${tag}`), await rawDigest(source));
    }
    assert.match(await ok(['fsck', join(server.root, 'org/app')]), /^ok: /m);
  });

  test('skopeo pushes Docker v2.2 and the registry keeps its media type and digest', async (t) => {
    const server = await serve(t);
    const pushed = `docker://${server.host}/docker/app:1`;
    await run('skopeo', ['copy', '--format', 'v2s2', ...INSECURE, `oci:${images}:single`, pushed]);
    const raw = JSON.parse(await run('skopeo', ['inspect', '--raw', '--tls-verify=false', pushed])) as {
      mediaType: string;
    };
    assert.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    const head = await fetch(`${server.url}/v2/docker/app/manifests/1`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.v2+json');
    const digest = await rawDigest(pushed);
    assert.equal(head.headers.get('docker-content-digest'), digest);
    const out = await scratch(t);
    assert.equal(await ok(['digest', `oci:${join(server.root, 'docker/app')}:1`]), digest);
    await ok(['copy', `${server.host}/docker/app:1`, `oci:${join(out, 'back')}:1`]);
    assert.equal(await ok(['digest', `oci:${join(out, 'back')}:1`]), digest);
  });

  test('ocikit copy pushes to and pulls from ocikit serve, index and Docker conversion alike', async (t) => {
    const server = await serve(t);
    const out = await scratch(t);
    const multi = await ok(['digest', `oci:${images}:multi`]);
    await ok(['copy', `oci:${images}:multi`, `${server.host}/team/multi:1`, '--all-platforms']);
    assert.equal(await ok(['digest', `${server.host}/team/multi:1`]), multi);
    await ok(['copy', `${server.host}/team/multi:1`, `oci:${join(out, 'pulled')}:1`, '--all-platforms']);
    assert.equal(await ok(['digest', `oci:${join(out, 'pulled')}:1`]), multi);
    await ok(['copy', `oci:${images}:single`, `${server.host}/team/docker:1`, '--format', 'docker']);
    const head = await fetch(`${server.url}/v2/team/docker/manifests/1`, { method: 'HEAD' });
    assert.equal(head.headers.get('content-type'), 'application/vnd.docker.distribution.manifest.v2+json');
    assert.match(await ok(['fsck', join(server.root, 'team/multi')]), /^ok: /m);
    assert.match(await ok(['fsck', join(server.root, 'team/docker')]), /^ok: /m);
  });

  test('a layout written into ROOT with ocikit copy is served at its path, and listed', async (t) => {
    const server = await serve(t);
    await ok(['copy', `oci:${images}:single`, `oci:${join(server.root, 'org/written')}:1`]);
    const digest = await ok(['digest', `oci:${images}:single`]);
    assert.equal(await ok(['digest', `${server.host}/org/written:1`]), digest);
    const catalog = (await (await fetch(`${server.url}/v2/_catalog`)).json()) as { repositories: string[] };
    assert.deepEqual(catalog.repositories, ['org/written']);
    const tags = (await (await fetch(`${server.url}/v2/org/written/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags, ['1']);
  });

  test('buildah pushes to and pulls from ocikit serve', async (t) => {
    const server = await serve(t);
    const dir = await scratch(t);
    const store = await createBuildahStore(dir);
    const buildah = (args: string[]) => run('buildah', [...store.globalArgs, ...args], { env: store.env });
    await run('skopeo', ['copy', ...INSECURE, `oci:${images}:single`, `docker://${server.host}/base/img:1`]);
    const policy = ['--signature-policy', store.policy, '--tls-verify=false'];
    await buildah(['pull', ...policy, '--quiet', `docker://${server.host}/base/img:1`]);
    await buildah([
      'push',
      ...policy,
      '--quiet',
      `${server.host}/base/img:1`,
      `docker://${server.host}/from/buildah:2`,
    ]);
    const config = JSON.parse(
      await run('skopeo', [
        'inspect',
        '--config',
        '--raw',
        '--tls-verify=false',
        `docker://${server.host}/from/buildah:2`,
      ]),
    ) as { rootfs: { diff_ids: string[] } };
    const source = JSON.parse(
      await run('skopeo', ['inspect', '--config', '--raw', `oci:${images}:single`]),
    ) as {
      rootfs: { diff_ids: string[] };
    };
    assert.deepEqual(config.rootfs.diff_ids, source.rootfs.diff_ids, 'the same layers came back');
    assert.match(await ok(['fsck', join(server.root, 'from/buildah')]), /^ok: /m);
    assert.ok((await readFile(join(server.root, 'from/buildah/index.json'), 'utf8')).includes('"2"'));
  });
});
