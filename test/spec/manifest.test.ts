/** manifest.md rules, artifacts (manifest v1.1) and Docker v2.2 manifests (spec-checklist §3, §5.2, §8). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { DOCKER, EMPTY_DESCRIPTOR, OCI, parseManifest } from '../../src/spec/index.ts';
import { assertOciError, bytesOf, clone, DOCKER_MANIFEST_TEXT, fakeDigest, ociManifest } from './fixtures.ts';

type Doc = Record<string, unknown> & { config: Record<string, unknown>; layers: Record<string, unknown>[] };
const manifest = (): Doc => ociManifest() as Doc;

describe('manifest: invalid cases', () => {
  const cases: [string, (m: Doc) => unknown, RegExp][] = [
    [
      'config.mediaType "invalid"',
      (m) => {
        m.config.mediaType = 'invalid';
      },
      /^config\.mediaType: must be a media type/,
    ],
    [
      'config.size as a string',
      (m) => {
        m.config.size = '7023';
      },
      /^config\.size: must be an integer, not a string$/,
    ],
    [
      'layers[].size as a string',
      (m) => {
        m.layers[1]!.size = '16724';
      },
      /^layers\[1\]\.size: must be an integer, not a string$/,
    ],
    [
      'subject not an object',
      (m) => {
        m.subject = '.nope';
      },
      /^subject: must be an object, not a string$/,
    ],
    [
      'a layer digest with repeated separators',
      (m) => {
        m.layers[0]!.digest = `sha256+foo+-b:${'a'.repeat(64)}`;
      },
      /^layers\[0\]\.digest: must match algorithm/,
    ],
    [
      'a short sha256 layer digest',
      (m) => {
        m.layers[1]!.digest = 'sha256:abcdef0123456789';
      },
      /^layers\[1\]\.digest: sha256 digest must be 64 lowercase hex characters$/,
    ],
    [
      'missing config',
      (m) => {
        delete (m as Record<string, unknown>).config;
      },
      /^config: is required$/,
    ],
    [
      'missing layers',
      (m) => {
        delete (m as Record<string, unknown>).layers;
      },
      /^layers: is required$/,
    ],
    [
      'layers not an array',
      (m) => {
        m.layers = {} as never;
      },
      /^layers: must be an array, not an object$/,
    ],
    [
      'schemaVersion 1',
      (m) => {
        m.schemaVersion = 1;
      },
      /^schemaVersion: must be 2, not 1$/,
    ],
    [
      'schemaVersion "2"',
      (m) => {
        m.schemaVersion = '2';
      },
      /^schemaVersion: must be 2, not "2"$/,
    ],
    [
      'schemaVersion missing',
      (m) => {
        delete m.schemaVersion;
      },
      /^schemaVersion: is required$/,
    ],
    [
      'mediaType of another document',
      (m) => {
        m.mediaType = OCI.config;
      },
      /^mediaType: must be an image manifest or index media type/,
    ],
    [
      'mediaType of an index on a manifest',
      (m) => {
        m.mediaType = OCI.index;
        delete m.manifests;
      },
      /^mediaType: is "application\/vnd.oci.image.index.v1\+json", an index media type; expected an image manifest$/,
    ],
    [
      'annotations with a number value',
      (m) => {
        m.annotations = { a: 1 };
      },
      /^annotations\.a: must be a string, not a number$/,
    ],
    [
      'artifactType with a dot subtype',
      (m) => {
        m.artifactType = 'foo/.bar';
      },
      /^artifactType: /,
    ],
    [
      'empty config without artifactType (manifest.md MUST)',
      (m) => {
        m.config = { ...EMPTY_DESCRIPTOR };
      },
      /^artifactType: is required when config.mediaType is application\/vnd.oci.empty.v1\+json/,
    ],
    [
      'both config and manifests (CVE-2021-41190)',
      (m) => {
        m.manifests = [];
      },
      /ambiguous \(CVE-2021-41190\)/,
    ],
  ];
  for (const [name, mutate, message] of cases) {
    test(name, () => {
      const m = manifest();
      mutate(m);
      assertOciError(() => parseManifest(bytesOf(m)), 'INVALID_DOCUMENT', message);
    });
  }
  test('an index is not a manifest', () => {
    assertOciError(
      () => parseManifest(bytesOf({ schemaVersion: 2, manifests: [] })),
      'INVALID_DOCUMENT',
      /^is an index, expected an image manifest$/,
    );
  });
});

describe('manifest: valid cases', () => {
  test('a full OCI manifest: bytes kept, digest of the exact bytes, values typed', () => {
    const bytes = bytesOf(manifest());
    const doc = parseManifest(bytes);
    assert.equal(doc.kind, 'manifest');
    assert.equal(doc.bytes, bytes);
    assert.equal(doc.digest, digestBytes(bytes));
    assert.equal(doc.mediaType, OCI.manifest);
    assert.equal(doc.value.layers.length, 2);
    assert.equal(doc.value.layers[1]?.size, 16724);
  });
  test('only the required fields (no mediaType reads as OCI)', () => {
    const doc = parseManifest(bytesOf({ schemaVersion: 2, config: manifest().config, layers: [] }));
    assert.equal(doc.mediaType, OCI.manifest);
    assert.equal(doc.value.mediaType, undefined);
  });
  test('layers: [] is accepted (conformance pushes it, spec-checklist §10.11)', () => {
    const m = manifest();
    m.layers = [];
    assert.deepEqual(parseManifest(bytesOf(m)).value.layers, []);
  });
  test('exotic digest algorithms', () => {
    const m = manifest();
    m.layers[0]!.digest = 'sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564';
    m.layers[1]!.digest = 'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8';
    assert.equal(parseManifest(bytesOf(m)).value.layers[1]?.digest, m.layers[1]!.digest);
  });
  test('a subject', () => {
    const m = manifest();
    m.subject = { mediaType: OCI.manifest, digest: fakeDigest('d'), size: 1234 };
    assert.equal(parseManifest(bytesOf(m)).value.subject?.size, 1234);
  });
  test('an artifact with a custom config type', () => {
    const m = manifest();
    m.config = { mediaType: 'application/vnd.example.config.v1+json', digest: fakeDigest('c'), size: 12 };
    m.layers = [{ mediaType: 'application/vnd.example.data.v1.tar', digest: fakeDigest('e'), size: 9 }];
    assert.equal(parseManifest(bytesOf(m)).value.config.mediaType, 'application/vnd.example.config.v1+json');
  });
  test('an artifact with the empty config and an artifactType', () => {
    const m = {
      schemaVersion: 2,
      mediaType: OCI.manifest,
      artifactType: 'application/vnd.example.sbom.v1',
      config: { ...EMPTY_DESCRIPTOR },
      layers: [{ ...EMPTY_DESCRIPTOR }],
    };
    const doc = parseManifest(bytesOf(m));
    assert.equal(doc.value.artifactType, 'application/vnd.example.sbom.v1');
    assert.equal(doc.value.layers[0]?.data, 'e30=');
  });
  test('unknown fields at every level are kept in the value, bytes untouched', () => {
    const m = clone(manifest()) as Doc;
    m['com.example.top'] = { a: [1, 'two', null] };
    m.config['com.example.inConfig'] = 'x';
    m.layers[0]!['com.example.inLayer'] = 7;
    const bytes = bytesOf(m);
    const before = Buffer.from(bytes).toString('hex');
    const doc = parseManifest(bytes);
    const value = doc.value as unknown as Doc;
    assert.deepEqual(value['com.example.top'], { a: [1, 'two', null] });
    assert.equal(value.config['com.example.inConfig'], 'x');
    assert.equal(value.layers[0]?.['com.example.inLayer'], 7);
    assert.equal(Buffer.from(doc.bytes).toString('hex'), before);
    assert.equal(doc.digest, digestBytes(bytes));
  });
});

describe('manifest: Docker v2.2', () => {
  test('a registry-served Docker manifest parses with its foreign layer urls', () => {
    const bytes = bytesOf(DOCKER_MANIFEST_TEXT);
    const doc = parseManifest(bytes, { contentType: DOCKER.manifest });
    assert.equal(doc.mediaType, DOCKER.manifest);
    assert.equal(doc.value.config.mediaType, DOCKER.config);
    assert.deepEqual(doc.value.layers[1]?.urls, ['https://example.com/layers/4a3f5c8a']);
    assert.equal(doc.digest, digestBytes(bytes));
  });
  test('detected from its own mediaType without a Content-Type', () => {
    assert.equal(parseManifest(bytesOf(DOCKER_MANIFEST_TEXT)).mediaType, DOCKER.manifest);
  });
  test('mediaType is required when it arrives as a Docker manifest', () => {
    const m = JSON.parse(DOCKER_MANIFEST_TEXT) as Record<string, unknown>;
    delete m.mediaType;
    assertOciError(
      () => parseManifest(bytesOf(m), { contentType: DOCKER.manifest }),
      'INVALID_DOCUMENT',
      /^mediaType: is required in Docker v2.2/,
    );
  });
  test('a Docker Hub manifest whose config type is application/octet-stream still parses', () => {
    const m = JSON.parse(DOCKER_MANIFEST_TEXT) as Doc;
    m.config.mediaType = 'application/octet-stream';
    assert.equal(parseManifest(bytesOf(m)).value.config.mediaType, 'application/octet-stream');
  });
  test('Docker schema 1 is refused with UNSUPPORTED_MEDIA_TYPE', () => {
    const schema1 = {
      schemaVersion: 1,
      mediaType: DOCKER.schema1,
      name: 'library/hello',
      tag: 'latest',
      fsLayers: [],
    };
    assertOciError(() => parseManifest(bytesOf(schema1)), 'UNSUPPORTED_MEDIA_TYPE', /schema 1/);
    assertOciError(
      () => parseManifest(bytesOf({ schemaVersion: 1, fsLayers: [] }), { contentType: DOCKER.schema1Signed }),
      'UNSUPPORTED_MEDIA_TYPE',
      /schema 1/,
    );
  });
});
