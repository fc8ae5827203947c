/** Choosing an image from an index (image-index.md "platform", spec-checklist §7). */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { Digest } from '../../src/digest/index.ts';
import { ErrorCode, OciError } from '../../src/errors/index.ts';
import { hostPlatform, isAttestation, MAX_INDEX_DEPTH, selectManifest } from '../../src/platform/index.ts';
import { DOCKER, OCI } from '../../src/spec/media-types.ts';
import type { Descriptor, ImageIndex, Platform } from '../../src/spec/types.ts';

function digestOf(name: string): Digest {
  return `sha256:${createHash('sha256').update(name).digest('hex')}` as Digest;
}

function manifest(name: string, platform?: Platform, extra: Partial<Descriptor> = {}): Descriptor {
  return {
    mediaType: OCI.manifest,
    digest: digestOf(name),
    size: 100,
    ...(platform ? { platform } : {}),
    ...extra,
  };
}

function index(...manifests: Descriptor[]): ImageIndex {
  return { schemaVersion: 2, mediaType: OCI.index, manifests };
}

const linux = (architecture: string, variant?: string): Platform =>
  variant === undefined ? { os: 'linux', architecture } : { os: 'linux', architecture, variant };

const attestation = (name: string): Descriptor =>
  manifest(
    name,
    { os: 'unknown', architecture: 'unknown' },
    {
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
    },
  );

const noNested = async (d: Descriptor): Promise<ImageIndex> => {
  throw new Error(`unexpected fetch of ${d.digest}`);
};

async function pick(
  idx: ImageIndex,
  want: Platform | string | undefined,
  fetch = noNested,
): Promise<Descriptor> {
  return selectManifest(idx, want, fetch);
}

const multi = index(
  manifest('amd64', linux('amd64')),
  manifest('arm64', linux('arm64', 'v8')),
  manifest('armv6', linux('arm', 'v6')),
  manifest('armv7', linux('arm', 'v7')),
  manifest('s390x', linux('s390x')),
);

test('exact platform wins', async () => {
  assert.equal((await pick(multi, linux('amd64'))).digest, digestOf('amd64'));
  assert.equal((await pick(multi, 'linux/arm64')).digest, digestOf('arm64'));
  assert.equal((await pick(multi, 'linux/aarch64')).digest, digestOf('arm64'));
  assert.equal((await pick(multi, 'linux/s390x')).digest, digestOf('s390x'));
});

test('want linux/arm/v7 picks v7 over an earlier v6', async () => {
  assert.equal((await pick(multi, 'linux/arm/v7')).digest, digestOf('armv7'));
  assert.equal((await pick(multi, 'linux/arm')).digest, digestOf('armv7'));
});

test('want linux/arm/v7 falls back to v6 when v7 is absent', async () => {
  const idx = index(manifest('amd64', linux('amd64')), manifest('armv6', linux('arm', 'v6')));
  assert.equal((await pick(idx, 'linux/arm/v7')).digest, digestOf('armv6'));
});

test('want arm64 falls back to 32-bit arm v7, then v6', async () => {
  const idx = index(manifest('armv6', linux('arm', 'v6')), manifest('armv7', linux('arm', 'v7')));
  assert.equal((await pick(idx, 'linux/arm64')).digest, digestOf('armv7'));
});

test('want amd64 takes 386 only when no amd64 image exists', async () => {
  const idx = index(manifest('386', linux('386')), manifest('amd64', linux('amd64')));
  assert.equal((await pick(idx, 'linux/amd64')).digest, digestOf('amd64'));
  assert.equal((await pick(index(manifest('386', linux('386'))), 'linux/amd64')).digest, digestOf('386'));
});

test('want amd64/v3 prefers v3, then lower levels', async () => {
  const idx = index(
    manifest('v1', linux('amd64')),
    manifest('v2', linux('amd64', 'v2')),
    manifest('v3', linux('amd64', 'v3')),
  );
  assert.equal((await pick(idx, 'linux/amd64/v3')).digest, digestOf('v3'));
  assert.equal((await pick(idx, 'linux/amd64/v2')).digest, digestOf('v2'));
  assert.equal((await pick(idx, 'linux/amd64')).digest, digestOf('v1'));
});

test('equal matches go to the first in the index', async () => {
  const idx = index(manifest('first', linux('amd64')), manifest('second', linux('x86_64')));
  assert.equal((await pick(idx, 'linux/amd64')).digest, digestOf('first'));
});

test('want amd64 skips an unknown/unknown first entry', async () => {
  const idx = index(attestation('att'), manifest('amd64', linux('amd64')), attestation('att2'));
  assert.equal((await pick(idx, 'linux/amd64')).digest, digestOf('amd64'));
});

test('attestations are never chosen, even as the only entries', async () => {
  await assert.rejects(pick(index(attestation('att')), undefined), (err: unknown) => {
    return err instanceof OciError && err.code === ErrorCode.NO_MATCHING_PLATFORM;
  });
  const annotatedOnly = manifest('annotated', linux('amd64'), {
    annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
  });
  await assert.rejects(pick(index(annotatedOnly), 'linux/amd64'), /no image for platform linux\/amd64/);
});

test('isAttestation recognises both markers', () => {
  assert.equal(isAttestation(attestation('a')), true);
  assert.equal(isAttestation(manifest('u', { os: 'unknown', architecture: 'unknown' })), true);
  assert.equal(
    isAttestation(
      manifest('x', linux('amd64'), { annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }),
    ),
    true,
  );
  assert.equal(isAttestation(manifest('x', linux('amd64'))), false);
  assert.equal(isAttestation(manifest('x', { os: 'linux', architecture: 'unknown' })), false);
  assert.equal(isAttestation(manifest('x')), false);
});

test('no platform given means the host platform', async () => {
  const host = hostPlatform();
  const idx = index(manifest('other', { os: 'plan9', architecture: 'wasm' }), manifest('host', host));
  assert.equal((await pick(idx, undefined)).digest, digestOf('host'));
});

test('a single image without platform information is returned', async () => {
  const idx = index(attestation('att'), manifest('only'));
  assert.equal((await pick(idx, 'linux/amd64')).digest, digestOf('only'));
  assert.equal((await pick(idx, undefined)).digest, digestOf('only'));
});

test('several images without platform information are not guessed at', async () => {
  await assert.rejects(pick(index(manifest('a'), manifest('b')), 'linux/amd64'), /available: no platform/);
});

test('a platform-less image beside non-matching ones is not chosen', async () => {
  await assert.rejects(
    pick(index(manifest('a'), manifest('b', linux('s390x'))), 'linux/amd64'),
    (err: unknown) => {
      return err instanceof OciError && err.code === ErrorCode.NO_MATCHING_PLATFORM;
    },
  );
});

test('NO_MATCHING_PLATFORM lists the available platforms', async () => {
  const idx = index(
    manifest('amd64', linux('amd64')),
    manifest('arm64', linux('arm64', 'v8')),
    manifest('arm64b', linux('arm64', 'v8')),
    attestation('att'),
  );
  await assert.rejects(pick(idx, 'linux/ppc64le'), (err: unknown) => {
    assert.ok(err instanceof OciError);
    assert.equal(err.code, ErrorCode.NO_MATCHING_PLATFORM);
    assert.equal(
      err.message,
      'no image for platform linux/ppc64le in the index (available: linux/amd64, linux/arm64/v8)',
    );
    assert.deepEqual(err.data, { platform: 'linux/ppc64le', available: ['linux/amd64', 'linux/arm64/v8'] });
    return true;
  });
  await assert.rejects(pick(index(), 'linux/amd64'), /available: none/);
});

test('a bad platform string is INVALID_PLATFORM', async () => {
  await assert.rejects(
    pick(multi, 'linux/*'),
    (err: unknown) => err instanceof OciError && err.code === 'INVALID_PLATFORM',
  );
});

test('entries of unknown media types are ignored, not errors', async () => {
  const idx = index(
    {
      mediaType: 'application/vnd.example.thing',
      digest: digestOf('thing'),
      size: 1,
      platform: linux('amd64'),
    },
    manifest('amd64', linux('amd64')),
  );
  assert.equal((await pick(idx, 'linux/amd64')).digest, digestOf('amd64'));
});

test('Docker manifest lists and Docker manifests are understood', async () => {
  const list: ImageIndex = {
    schemaVersion: 2,
    mediaType: DOCKER.manifestList,
    manifests: [
      { mediaType: DOCKER.manifest, digest: digestOf('d-amd64'), size: 1, platform: linux('amd64') },
      { mediaType: DOCKER.manifest, digest: digestOf('d-arm'), size: 1, platform: linux('armv7l') },
    ],
  };
  assert.equal((await pick(list, 'linux/arm/v7')).digest, digestOf('d-arm'));
});

test('nested indexes are searched, in index order', async () => {
  const inner = index(manifest('inner-arm64', linux('arm64')), manifest('inner-amd64', linux('amd64')));
  const innerDescriptor: Descriptor = { mediaType: OCI.index, digest: digestOf('inner'), size: 10 };
  const listDescriptor: Descriptor = { mediaType: DOCKER.manifestList, digest: digestOf('list'), size: 10 };
  const list = index(manifest('list-s390x', linux('s390x')));
  const fetched: string[] = [];
  const fetch = async (d: Descriptor): Promise<ImageIndex> => {
    fetched.push(d.digest);
    if (d.digest === innerDescriptor.digest) return inner;
    if (d.digest === listDescriptor.digest) return list;
    throw new Error('unknown');
  };
  const top = index(manifest('top-386', linux('386')), innerDescriptor, listDescriptor);
  assert.equal((await pick(top, 'linux/amd64', fetch)).digest, digestOf('inner-amd64'));
  assert.equal((await pick(top, 'linux/s390x', fetch)).digest, digestOf('list-s390x'));
  assert.equal((await pick(top, 'linux/arm64', fetch)).digest, digestOf('inner-arm64'));
  assert.ok(fetched.includes(innerDescriptor.digest) && fetched.includes(listDescriptor.digest));
});

test('a nested index labelled for another platform is not fetched', async () => {
  const nested: Descriptor = {
    mediaType: OCI.index,
    digest: digestOf('n'),
    size: 1,
    platform: linux('s390x'),
  };
  const idx = index(nested, manifest('amd64', linux('amd64')));
  assert.equal((await pick(idx, 'linux/amd64')).digest, digestOf('amd64'));
});

test("a nested index's platform is inherited by its platform-less entries", async () => {
  const nested: Descriptor = {
    mediaType: OCI.index,
    digest: digestOf('n'),
    size: 1,
    platform: linux('arm64'),
  };
  const idx = index(manifest('amd64', linux('amd64')), nested);
  const fetch = async (): Promise<ImageIndex> => index(manifest('nested-image'));
  assert.equal((await pick(idx, 'linux/arm64', fetch)).digest, digestOf('nested-image'));
});

test('hostile: indexes nested without end are refused', async () => {
  let n = 0;
  const fetch = async (): Promise<ImageIndex> => {
    n += 1;
    return index({ mediaType: OCI.index, digest: digestOf(`level-${n}`), size: 1 });
  };
  const top = index({ mediaType: OCI.index, digest: digestOf('level-0'), size: 1 });
  await assert.rejects(pick(top, 'linux/amd64', fetch), (err: unknown) => {
    return err instanceof OciError && err.code === ErrorCode.INVALID_DOCUMENT;
  });
  assert.equal(n, MAX_INDEX_DEPTH);
});

test('hostile: an index that contains itself is fetched once', async () => {
  const self: Descriptor = { mediaType: OCI.index, digest: digestOf('self'), size: 1 };
  let fetches = 0;
  const fetch = async (): Promise<ImageIndex> => {
    fetches += 1;
    return index(self, manifest('amd64', linux('amd64')));
  };
  assert.equal((await pick(index(self), 'linux/amd64', fetch)).digest, digestOf('amd64'));
  assert.equal(fetches, 1);
});

test('more matching os.features win a tie, then the first entry', async () => {
  const want: Platform = { ...linux('amd64'), 'os.features': ['f1'] };
  const idx = index(
    manifest('plain', linux('amd64')),
    manifest('featured', { ...linux('amd64'), 'os.features': ['f1'] }),
    manifest('unavailable', { ...linux('amd64'), 'os.features': ['f2'] }),
  );
  assert.equal((await pick(idx, want)).digest, digestOf('featured'));
});

test('windows: the compatible image with the higher os.version wins', async () => {
  const win = (v: string): Platform => ({ os: 'windows', architecture: 'amd64', 'os.version': v });
  const idx = index(
    manifest('1809', win('10.0.17763.100')),
    manifest('ltsc2022', win('10.0.20348.1')),
    manifest('newer', win('10.0.22631.5')),
    manifest('too-new', win('10.0.26100.1')),
  );
  assert.equal((await pick(idx, win('10.0.22631.10'))).digest, digestOf('newer'));
  assert.equal((await pick(idx, win('10.0.20348.7'))).digest, digestOf('ltsc2022'));
  assert.equal((await pick(idx, win('10.0.17763.9'))).digest, digestOf('1809'));
  assert.equal((await pick(idx, { os: 'windows', architecture: 'amd64' })).digest, digestOf('too-new'));
});
