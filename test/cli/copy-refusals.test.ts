/**
 * `copy` refuses what it cannot do before it moves a byte: `--platform` is checked on a
 * single-platform image (as every other command checks it), and a whole index is refused for a
 * `docker-archive:` destination (the format holds single images) before any blob is fetched.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { OCI, serializeJson } from '../../src/spec/index.ts';
import { openLayout } from '../../src/store/index.ts';
import { writeBusyboxRootfs } from '../helpers/busybox.ts';
import { ocikit } from '../helpers/cli.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';

async function ok(args: string[]): Promise<string> {
  const result = await ocikit(args);
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

describe('copy refusals', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let layout: string;
  let registry: RunningRegistry;
  let proxy: FaultProxy;

  before(async () => {
    dir = await makeDir();
    layout = join(dir, 'layout');
    await writeBusyboxRootfs(join(dir, 'rootfs'));
    await ok(['append', 'scratch', join(dir, 'rootfs'), '-t', `oci:${layout}:amd`]);
    await ok(['mutate', `oci:${layout}:amd`, '--set-platform', 'linux/amd64', '-t', `oci:${layout}:bb`]);
    await ok(['mutate', `oci:${layout}:amd`, '--set-platform', 'linux/arm64', '-t', `oci:${layout}:arm`]);
    const store = await openLayout(layout);
    const manifests = [];
    for (const [tag, platform] of [
      ['bb', { architecture: 'amd64', os: 'linux' }],
      ['arm', { architecture: 'arm64', os: 'linux' }],
    ] as const) {
      const d = await store.resolve(tag);
      manifests.push({ mediaType: d.mediaType, digest: d.digest, size: d.size, platform });
    }
    const index = serializeJson({ schemaVersion: 2, mediaType: OCI.index, manifests });
    await store.putBytes(index, digestBytes(index));
    await store.tag('multi', { mediaType: OCI.index, digest: digestBytes(index), size: index.byteLength });
    // An artifact (manifest.md "artifactType"): its config is the empty descriptor, not an image config.
    const empty = Buffer.from('{}');
    const payload = Buffer.from('signature bytes');
    await store.putBytes(empty, digestBytes(empty));
    await store.putBytes(payload, digestBytes(payload));
    const artifact = serializeJson({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      artifactType: 'application/vnd.example.signature',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: digestBytes(empty), size: 2 },
      layers: [
        { mediaType: 'application/octet-stream', digest: digestBytes(payload), size: payload.byteLength },
      ],
    });
    await store.putBytes(artifact, digestBytes(artifact));
    await store.tag('sig', {
      mediaType: OCI.manifest,
      digest: digestBytes(artifact),
      size: artifact.byteLength,
    });
    registry = await startRegistry();
    await ok(['copy', '-q', '--all-platforms', `oci:${layout}:multi`, `${registry.host}/multi:1`]);
    proxy = await startFaultProxy(registry.host);
  });
  after(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  test('--platform on a single-platform image for another platform fails and writes nothing', async () => {
    const result = await ocikit([
      'copy',
      '--platform',
      'windows/amd64',
      `oci:${layout}:bb`,
      `oci:${dir}/x:t`,
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^ocikit: NO_MATCHING_PLATFORM: .*linux\/amd64.*windows\/amd64/m);
    assert.equal(result.out, '');
    assert.equal(existsSync(join(dir, 'x')), false);
  });

  test('--platform on a single-platform image for that platform copies it', async () => {
    const copied = await ok([
      'copy',
      '-q',
      '--platform',
      'linux/arm64',
      `oci:${layout}:arm`,
      `oci:${dir}/y:t`,
    ]);
    assert.equal(copied.split('@')[1], await ok(['digest', `oci:${layout}:arm`]));
  });

  test('--all-platforms into a docker-archive is refused before any blob is fetched', async () => {
    const archive = join(dir, 'm.tar');
    proxy.seen.length = 0;
    const result = await ocikit([
      'copy',
      '--all-platforms',
      `${proxy.host}/multi:1`,
      `docker-archive:${archive}`,
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^ocikit: UNSUPPORTED: .*docker-archive.*single/m);
    const blobGets = proxy.seen.filter((r) => r.method === 'GET' && /\/blobs\//.test(r.path));
    assert.deepEqual(blobGets, [], 'no blob was fetched');
    assert.equal(existsSync(archive), false);
    assert.ok(!(await readdir(dir)).some((name) => name.startsWith('m.tar')), 'no temp file beside it');
  });

  test('an artifact into a docker-archive is refused as not an image, and no archive appears', async () => {
    const archive = join(dir, 'sig.tar');
    const result = await ocikit(['copy', `oci:${layout}:sig`, `docker-archive:${archive}`]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^ocikit: UNSUPPORTED: .*not an artifact/m);
    assert.doesNotMatch(result.stderr, /^(copying|done) /m, 'no blob was copied');
    assert.equal(existsSync(archive), false);
  });

  test('one platform of the index still goes into a docker-archive', async () => {
    const archive = join(dir, 'one.tar');
    await ok([
      'copy',
      '-q',
      '--platform',
      'linux/arm64',
      `${proxy.host}/multi:1`,
      `docker-archive:${archive}`,
    ]);
    assert.ok(existsSync(archive));
  });
});
