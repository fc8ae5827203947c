/** image-index.md rules and Docker manifest lists (spec-checklist §5.2, §8 "index"). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { DOCKER, OCI, parseIndex } from '../../src/spec/index.ts';
import { assertOciError, bytesOf, DOCKER_LIST_TEXT, fakeDigest, ociIndex } from './fixtures.ts';

type Doc = Record<string, unknown> & { manifests: Record<string, unknown>[] };
const index = (): Doc => ociIndex() as Doc;

describe('index: invalid cases', () => {
  const cases: [string, (d: Doc) => unknown, RegExp][] = [
    [
      'manifests[].mediaType "invalid"',
      (d) => {
        d.manifests[0]!.mediaType = 'invalid';
      },
      /^manifests\[0\]\.mediaType: must be a media type/,
    ],
    [
      'manifests[].mediaType ""',
      (d) => {
        d.manifests[1]!.mediaType = '';
      },
      /^manifests\[1\]\.mediaType: must be a media type/,
    ],
    [
      'size as a string',
      (d) => {
        d.manifests[1]!.size = '7682';
      },
      /^manifests\[1\]\.size: must be an integer, not a string$/,
    ],
    [
      'missing digest',
      (d) => {
        delete d.manifests[0]!.digest;
      },
      /^manifests\[0\]\.digest: is required$/,
    ],
    [
      'platform without architecture',
      (d) => {
        d.manifests[1]!.platform = { os: 'linux' };
      },
      /^manifests\[1\]\.platform\.architecture: is required$/,
    ],
    [
      'invalid subject',
      (d) => {
        d.subject = { mediaType: OCI.manifest, digest: 'sha256:nope', size: 1 };
      },
      /^subject\.digest: sha256 digest must be 64 lowercase hex/,
    ],
    [
      'missing manifests',
      (d) => {
        delete (d as Record<string, unknown>).manifests;
      },
      /^manifests: is required$/,
    ],
    [
      'schemaVersion 3',
      (d) => {
        d.schemaVersion = 3;
      },
      /^schemaVersion: must be 2, not 3$/,
    ],
    [
      'layers beside manifests (CVE-2021-41190)',
      (d) => {
        d.layers = [];
      },
      /ambiguous \(CVE-2021-41190\)/,
    ],
    [
      'config beside manifests (CVE-2021-41190)',
      (d) => {
        d.config = {};
      },
      /ambiguous \(CVE-2021-41190\)/,
    ],
  ];
  for (const [name, mutate, message] of cases) {
    test(name, () => {
      const d = index();
      mutate(d);
      assertOciError(() => parseIndex(bytesOf(d)), 'INVALID_DOCUMENT', message);
    });
  }
  test('a manifest is not an index', () => {
    assertOciError(
      () => parseIndex(bytesOf({ schemaVersion: 2, config: {}, layers: [] })),
      'INVALID_DOCUMENT',
      /^is an image manifest, expected an index$/,
    );
  });
  test('Content-Type of a manifest is refused by parseIndex', () => {
    assertOciError(
      () => parseIndex(bytesOf(index()), { contentType: OCI.manifest }),
      'INVALID_DOCUMENT',
      /arrived as application\/vnd.oci.image.manifest.v1\+json/,
    );
    const noType = index();
    delete noType.mediaType;
    assertOciError(
      () => parseIndex(bytesOf(noType), { contentType: OCI.manifest }),
      'UNSUPPORTED_MEDIA_TYPE',
      /expected an index/,
    );
  });
});

describe('index: valid cases', () => {
  test('a full OCI index keeps bytes and digest', () => {
    const bytes = bytesOf(index());
    const doc = parseIndex(bytes);
    assert.equal(doc.kind, 'index');
    assert.equal(doc.mediaType, OCI.index);
    assert.equal(doc.digest, digestBytes(bytes));
    assert.equal(doc.value.manifests[1]?.platform?.architecture, 'amd64');
  });
  test('required fields only, and an empty manifests list', () => {
    const doc = parseIndex(bytesOf({ schemaVersion: 2, manifests: [] }));
    assert.equal(doc.mediaType, OCI.index);
    assert.deepEqual(doc.value.manifests, []);
  });
  test('a custom mediaType of a referenced manifest', () => {
    const d = index();
    d.manifests[0]!.mediaType = 'application/customized.manifest+json';
    assert.equal(
      parseIndex(bytesOf(d)).value.manifests[0]?.mediaType,
      'application/customized.manifest+json',
    );
  });
  test('artifactType and subject', () => {
    const d = index();
    d.artifactType = 'application/vnd.example.bundle.v1';
    d.subject = { mediaType: OCI.manifest, digest: fakeDigest('f'), size: 42 };
    const doc = parseIndex(bytesOf(d));
    assert.equal(doc.value.artifactType, 'application/vnd.example.bundle.v1');
    assert.equal(doc.value.subject?.digest, fakeDigest('f'));
  });
  test('an attestation entry with unknown/unknown platform is kept', () => {
    const d = index();
    d.manifests.push({
      mediaType: OCI.manifest,
      digest: fakeDigest('a'),
      size: 566,
      annotations: {
        'vnd.docker.reference.digest': fakeDigest('b'),
        'vnd.docker.reference.type': 'attestation-manifest',
      },
      platform: { architecture: 'unknown', os: 'unknown' },
    });
    assert.equal(parseIndex(bytesOf(d)).value.manifests[2]?.platform?.os, 'unknown');
  });
});

describe('index: Docker manifest lists', () => {
  test('a Docker manifest list parses with platform features', () => {
    const doc = parseIndex(bytesOf(DOCKER_LIST_TEXT), {
      contentType: `${DOCKER.manifestList}; charset=utf-8`,
    });
    assert.equal(doc.mediaType, DOCKER.manifestList);
    assert.deepEqual(doc.value.manifests[1]?.platform?.features, ['sse4']);
    assert.equal(doc.value.manifests[2]?.platform?.variant, 'v7');
  });
  test('platform is required on Docker list entries', () => {
    const d = JSON.parse(DOCKER_LIST_TEXT) as Doc;
    delete d.manifests[2]!.platform;
    assertOciError(
      () => parseIndex(bytesOf(d)),
      'INVALID_DOCUMENT',
      /^manifests\[2\]\.platform: is required in a Docker manifest list/,
    );
  });
  test('mediaType is required when it arrives as a Docker list', () => {
    const d = JSON.parse(DOCKER_LIST_TEXT) as Doc;
    delete d.mediaType;
    assertOciError(
      () => parseIndex(bytesOf(d), { contentType: DOCKER.manifestList }),
      'INVALID_DOCUMENT',
      /^mediaType: is required in Docker v2.2/,
    );
  });
  test('platform stays optional on OCI index entries', () => {
    const d = index();
    delete d.manifests[0]!.platform;
    assert.equal(parseIndex(bytesOf(d)).value.manifests[0]?.platform, undefined);
  });
});
