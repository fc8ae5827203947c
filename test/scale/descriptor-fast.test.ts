/**
 * The plain-code descriptor check that lets long indexes and manifests skip the per-entry schema
 * (spec/descriptor-fast.ts) must never accept what the schema refuses, must accept the ordinary
 * descriptors of real layouts, and must leave every refusal of a long document as precise as before.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isOciError } from '../../src/errors/index.ts';
import { isWellFormedDescriptor } from '../../src/spec/descriptor-fast.ts';
import { descriptorSchema, firstProblem, OCI, parseIndex, parseManifest } from '../../src/spec/index.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const REF_NAME = 'org.opencontainers.image.ref.name';

/** Values a field may hold: valid ones, near misses and wrong types. */
const oddValue = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    0,
    -1,
    1.5,
    2 ** 53,
    '',
    'x',
    [],
    {},
    ['a'],
    { a: 1 },
    { a: 'b' },
    OCI.manifest,
    'text/plain; charset=utf-8',
    DIGEST,
    `sha256:${'A'.repeat(64)}`,
    'sha256:abc',
    'foo:bar',
    'AAAA',
    'https://example.com/blob',
  ),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
  fc.array(fc.oneof(fc.string(), fc.integer())),
);

/** Mostly `valid`, sometimes an odd value. */
const mostly = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: oddValue, weight: 1 });
/** Mostly absent, else mostly `valid`. */
const optional = (valid: fc.Arbitrary<unknown>) =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: mostly(valid), weight: 2 });

const platformLike = fc.record({
  architecture: mostly(fc.constantFrom('amd64', 'arm64', '')),
  os: mostly(fc.constantFrom('linux', 'windows')),
  'os.version': optional(fc.string()),
  'os.features': optional(fc.array(fc.string())),
  variant: optional(fc.constantFrom('v7', 'v8')),
  features: optional(fc.array(fc.string())),
});

const descriptorLike = fc.record({
  mediaType: mostly(fc.constantFrom(OCI.manifest, OCI.layerGzip, 'application/vnd.x+json')),
  digest: mostly(fc.constantFrom(DIGEST, `sha512:${'c'.repeat(128)}`, 'blake9:abc')),
  size: mostly(fc.nat()),
  urls: optional(fc.array(fc.constantFrom('https://example.com/b', 'not a uri'))),
  annotations: optional(fc.dictionary(fc.string(), fc.string())),
  data: optional(fc.constantFrom('', 'AAAA', 'e30=')),
  artifactType: optional(fc.constantFrom(OCI.manifest, 'bad type')),
  platform: optional(platformLike),
  extra: optional(oddValue),
});

function entry(i: number): Record<string, unknown> {
  return {
    mediaType: OCI.manifest,
    digest: DIGEST,
    size: 500 + i,
    annotations: { [REF_NAME]: `v${i}` },
    platform: { os: 'linux', architecture: 'amd64', variant: 'v8' },
  };
}

function indexBytes(manifests: unknown[]): Uint8Array {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests }));
}

describe('scale: descriptors checked in plain code', () => {
  test('what the plain check accepts, the descriptor schema accepts too (random descriptors)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(descriptorLike, (value) => {
        // Round-trip through JSON, as documents arrive: undefined fields vanish.
        const parsed: unknown = JSON.parse(JSON.stringify(value));
        if (!isWellFormedDescriptor(parsed)) return;
        accepted++;
        assert.equal(firstProblem(descriptorSchema, parsed), undefined);
      }),
      { numRuns: 3000 },
    );
    // The property means something only if the plain check accepted a fair share of the cases.
    assert.ok(accepted > 300, `only ${accepted} of 3000 random descriptors were accepted`);
  });

  test('the descriptors of real layouts take the plain path', () => {
    assert.equal(isWellFormedDescriptor(entry(1)), true);
    assert.equal(isWellFormedDescriptor({ mediaType: OCI.layerGzip, digest: DIGEST, size: 0 }), true);
    assert.equal(
      isWellFormedDescriptor({ mediaType: OCI.config, digest: `sha512:${'b'.repeat(128)}`, size: 2 }),
      true,
    );
  });

  test('an index of 10,000 tags with one bad entry near the end is refused at that entry', () => {
    const manifests = Array.from({ length: 10_000 }, (_, i) => entry(i));
    manifests[9_998] = { ...entry(9_998), size: -1 };
    assert.throws(
      () => parseIndex(indexBytes(manifests), { maxBytes: 64 << 20 }),
      (err: unknown) =>
        isOciError(err) &&
        err.code === 'INVALID_DOCUMENT' &&
        /manifests\[9998\]\.size/.test(err.message) &&
        /negative/.test(err.message),
    );
  });

  test('an index entry with a bad platform or annotation is refused, naming it', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...entry(3), platform: { os: 'linux' } }, /manifests\[3\]\.platform\.architecture/],
      [{ ...entry(3), annotations: { [REF_NAME]: 7 } }, /manifests\[3\]\.annotations/],
      [{ ...entry(3), digest: 'sha256:ABC' }, /manifests\[3\]\.digest/],
      [{ ...entry(3), mediaType: 'nonsense' }, /manifests\[3\]\.mediaType/],
    ];
    for (const [bad, where] of cases) {
      const manifests = [entry(0), entry(1), entry(2), bad, entry(4)];
      assert.throws(
        () => parseIndex(indexBytes(manifests)),
        (err: unknown) => isOciError(err) && err.code === 'INVALID_DOCUMENT' && where.test(err.message),
        where.source,
      );
    }
  });

  test('a manifest of 100 layers parses, and one bad layer among them is refused at its index', () => {
    const layers = Array.from({ length: 100 }, (_, i) => ({
      mediaType: OCI.layerGzip,
      digest: DIGEST,
      size: i,
    }));
    const manifest = {
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config: { mediaType: OCI.config, digest: DIGEST, size: 2 },
      layers,
    };
    const parsed = parseManifest(Buffer.from(JSON.stringify(manifest)));
    assert.equal(parsed.value.layers.length, 100);
    const bad = { ...manifest, layers: layers.map((l, i) => (i === 57 ? { ...l, size: 'big' } : l)) };
    assert.throws(
      () => parseManifest(Buffer.from(JSON.stringify(bad))),
      (err: unknown) => isOciError(err) && /layers\[57\]\.size/.test(err.message),
    );
  });

  test('the other rules of a long document still hold when its entries take the plain path', () => {
    const manifests = Array.from({ length: 50 }, (_, i) => entry(i));
    const wrongVersion = Buffer.from(JSON.stringify({ schemaVersion: 3, mediaType: OCI.index, manifests }));
    assert.throws(
      () => parseIndex(wrongVersion),
      (err: unknown) => isOciError(err) && /schemaVersion/.test(err.message),
    );
    const emptyConfig = {
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config: { mediaType: OCI.empty, digest: DIGEST, size: 2 },
      layers: [{ mediaType: OCI.layerGzip, digest: DIGEST, size: 1 }],
    };
    assert.throws(
      () => parseManifest(Buffer.from(JSON.stringify(emptyConfig))),
      (err: unknown) => isOciError(err) && /artifactType/.test(err.message),
    );
  });
});
