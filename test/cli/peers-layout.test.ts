/**
 * The CLI reads layouts written by real tools: `inspect --raw`, `digest` and `fsck` agree with
 * `skopeo inspect --raw` on layouts made by umoci and by skopeo (OCI and Docker v2.2 media types).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run, runBuffer } from '../helpers/exec.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * The manifest bytes a peer wrote for tag `app`: what `skopeo inspect --raw` prints, or, for the
 * Docker-typed layout (which skopeo's own `oci:` reader does not resolve), the blob the peer's
 * index.json points to.
 */
async function skopeoManifest(layout: string): Promise<Buffer> {
  try {
    return await runBuffer('skopeo', ['inspect', '--raw', `oci:${layout}:app`]);
  } catch {
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
    const entry = index.manifests.find(
      (m: { annotations?: Record<string, string> }) =>
        m.annotations?.['org.opencontainers.image.ref.name'] === 'app',
    );
    return readFile(join(layout, 'blobs', ...entry.digest.split(':')));
  }
}

describe('layouts made by umoci and skopeo', () => {
  let dir: string;
  const makeDir = suiteScratch(after);
  before(async () => {
    dir = await makeDir();
    const umociLayout = join(dir, 'umoci');
    await run('umoci', ['init', '--layout', umociLayout]);
    await run('umoci', ['new', '--image', `${umociLayout}:base`]);
    const bundle = join(dir, 'bundle');
    await run('umoci', ['unpack', '--rootless', '--image', `${umociLayout}:base`, bundle]);
    await mkdir(join(bundle, 'rootfs/etc'), { recursive: true });
    await writeFile(join(bundle, 'rootfs/etc/hello'), 'hello\n');
    await run('umoci', ['repack', '--image', `${umociLayout}:app`, bundle]);
    await run('umoci', [
      'config',
      '--image',
      `${umociLayout}:app`,
      '--config.cmd',
      '/bin/true',
      '--config.env',
      'A=1',
    ]);
    await run('skopeo', ['copy', `oci:${umociLayout}:app`, `oci:${join(dir, 'skopeo-oci')}:app`]);
    await run('skopeo', [
      'copy',
      '--format',
      'v2s2',
      `oci:${umociLayout}:app`,
      `oci:${join(dir, 'skopeo-docker')}:app`,
    ]);
  });

  for (const [label, name] of [
    ['umoci', 'umoci'],
    ['skopeo (OCI)', 'skopeo-oci'],
    ['skopeo (Docker v2.2)', 'skopeo-docker'],
  ] as const) {
    test(`inspect --raw, digest and fsck agree with skopeo on a layout made by ${label}`, async () => {
      const image = `oci:${join(dir, name)}:app`;
      const expected = await skopeoManifest(join(dir, name));
      const raw = await ocikit(['inspect', '--raw', image]);
      assert.equal(raw.code, 0, raw.stderr);
      assert.deepEqual(raw.stdout, expected, 'inspect --raw must print the exact manifest bytes');
      const digest = await ocikit(['digest', image]);
      assert.equal(digest.code, 0, digest.stderr);
      assert.equal(digest.out, sha256(expected));
      const config = await ocikit(['inspect', '--config', '--raw', image]);
      const configDigest = JSON.parse(expected.toString('utf8')).config.digest as string;
      assert.equal(
        sha256(config.stdout),
        configDigest,
        'inspect --config --raw must print the exact config bytes',
      );
      const fsck = await ocikit(['fsck', join(dir, name)]);
      assert.equal(fsck.code, 0, `${fsck.out}\n${fsck.stderr}`);
      const summary = JSON.parse((await ocikit(['inspect', '--json', image])).out);
      assert.deepEqual(summary.cmd, ['/bin/true']);
      assert.ok(summary.env.includes('A=1'));
    });
  }

  test('the Docker v2.2 layout is detected as Docker', async () => {
    const summary = JSON.parse(
      (await ocikit(['inspect', '--json', `oci:${join(dir, 'skopeo-docker')}:app`])).out,
    );
    assert.equal(summary.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(summary.config.mediaType, 'application/vnd.docker.container.image.v1+json');
  });
});

describe('usage and failures', () => {
  test('an unknown command is a usage error (exit 2)', async () => {
    assert.equal((await ocikit(['frobnicate'])).code, 2);
  });
  test('a missing argument is a usage error (exit 2)', async () => {
    assert.equal((await ocikit(['inspect'])).code, 2);
  });
  test('a missing layout fails with exit 1 and a clear message', async (t) => {
    const dir = await scratch(t);
    const result = await ocikit(['inspect', `oci:${join(dir, 'nope')}:x`]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^ocikit: [A-Z_]+: /);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });
});
