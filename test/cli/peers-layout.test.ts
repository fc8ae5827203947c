/**
 * The CLI reads layouts written by real tools: `inspect --raw`, `digest` and `fsck` agree with
 * `skopeo inspect --raw` on layouts made by umoci and by skopeo (OCI and Docker v2.2 media types).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { OCI, type Platform, serializeJson } from '../../src/spec/index.ts';
import { openLayout } from '../../src/store/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { run, runBuffer } from '../helpers/exec.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * The manifest bytes `skopeo inspect --raw` prints for tag `app`. skopeo 1.9 looks a tag up only
 * among OCI-typed index.json entries, so the Docker-typed layout (whose one entry is tag `app`, as
 * checked here) is read without the tag: skopeo then takes the only entry.
 */
async function skopeoManifest(layout: string, dockerTyped: boolean): Promise<Buffer> {
  if (!dockerTyped) return runBuffer('skopeo', ['inspect', '--raw', `oci:${layout}:app`]);
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  assert.deepEqual(
    index.manifests.map((m: { annotations?: Record<string, string> }) => m.annotations),
    [{ 'org.opencontainers.image.ref.name': 'app' }],
  );
  return runBuffer('skopeo', ['inspect', '--raw', `oci:${layout}`]);
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

  for (const [label, name, dockerTyped] of [
    ['umoci', 'umoci', false],
    ['skopeo (OCI)', 'skopeo-oci', false],
    ['skopeo (Docker v2.2)', 'skopeo-docker', true],
  ] as const) {
    test(`inspect --raw, digest and fsck agree with skopeo on a layout made by ${label}`, async () => {
      const image = `oci:${join(dir, name)}:app`;
      const expected = await skopeoManifest(join(dir, name), dockerTyped);
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

describe('a multi-platform index with a nested index', () => {
  const makeDir = suiteScratch(after);
  let layout: string;
  let armDigest: string;
  let topDigest: string;

  before(async () => {
    const dir = await makeDir();
    const ours = join(dir, 'ours');
    await mkdir(join(dir, 'tree'), { recursive: true });
    await writeFile(join(dir, 'tree/hello'), 'hello\n');
    assert.equal((await ocikit(['append', 'scratch', join(dir, 'tree'), '-t', `oci:${ours}:amd`])).code, 0);
    assert.equal(
      (await ocikit(['mutate', `oci:${ours}:amd`, '--set-platform', 'linux/arm64', '-t', `oci:${ours}:arm`]))
        .code,
      0,
    );
    // The image manifests are written by skopeo; skopeo 1.9 cannot copy a nested index itself
    // ("Unexpectedly received a manifest list"), so the two indexes around them are built here.
    layout = join(dir, 'skopeo');
    await run('skopeo', ['copy', `oci:${ours}:amd`, `oci:${layout}:amd`]);
    await run('skopeo', ['copy', `oci:${ours}:arm`, `oci:${layout}:arm`]);
    const store = await openLayout(layout);
    const entry = async (tag: string, platform: Platform) => {
      const d = await store.resolve(tag);
      return { mediaType: d.mediaType, digest: d.digest, size: d.size, platform };
    };
    const put = async (value: unknown) => {
      const bytes = serializeJson(value);
      await store.putBytes(bytes, digestBytes(bytes));
      return { mediaType: OCI.index, digest: digestBytes(bytes), size: bytes.byteLength };
    };
    const arm = await entry('arm', { architecture: 'arm64', os: 'linux' });
    armDigest = arm.digest;
    const inner = await put({ schemaVersion: 2, mediaType: OCI.index, manifests: [arm] });
    const top = await put({
      schemaVersion: 2,
      mediaType: OCI.index,
      manifests: [await entry('amd', { architecture: 'amd64', os: 'linux' }), inner],
    });
    topDigest = top.digest;
    await store.tag('nested', top);
  });

  test('inspect --raw, digest and fsck agree with skopeo, and --platform finds the image inside the nested index', async () => {
    const image = `oci:${layout}:nested`;
    const expected = await runBuffer('skopeo', ['inspect', '--raw', image]);
    assert.equal(sha256(expected), topDigest);
    const raw = await ocikit(['inspect', '--raw', image]);
    assert.deepEqual(raw.stdout, expected);
    assert.equal((await ocikit(['digest', image])).out, topDigest);
    assert.equal((await ocikit(['digest', '--platform', 'linux/arm64', image])).out, armDigest);
    const fsck = await ocikit(['fsck', layout]);
    assert.equal(fsck.code, 0, fsck.out);
  });

  test('copy --all-platforms keeps the nested index and every digest', async () => {
    const copy = join(await makeDir(), 'copy');
    const result = await ocikit(['copy', '-q', '--all-platforms', `oci:${layout}:nested`, `oci:${copy}:n`]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await ocikit(['digest', `oci:${copy}:n`])).out, topDigest);
    assert.equal((await ocikit(['digest', '--platform', 'linux/arm64', `oci:${copy}:n`])).out, armDigest);
    assert.equal((await ocikit(['fsck', copy])).code, 0);
  });
});
