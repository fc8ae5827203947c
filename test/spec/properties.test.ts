/**
 * Property-based robustness: every parser, fed random JSON, random bytes, or valid documents
 * mutated (fields dropped or replaced by odd values, bytes truncated or flipped), throws nothing
 * but an OciError; valid documents parse and round-trip.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { digestBytes } from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import {
  DOCKER,
  OCI,
  parseConfig,
  parseDescriptor,
  parseIndex,
  parseManifest,
  parseOciLayout,
  parsePlatformObject,
  parseTopDocument,
  serializeJson,
} from '../../src/spec/index.ts';

const RUNS = { numRuns: 400 };

const CONTENT_TYPES = [
  undefined,
  OCI.manifest,
  OCI.index,
  DOCKER.manifest,
  DOCKER.manifestList,
  DOCKER.schema1,
  OCI.config,
  'application/json; charset=utf-8',
  '',
  ';;;',
  'x',
];

type BytesParser = (bytes: Uint8Array, contentType: string | undefined) => unknown;
const PARSERS: [string, BytesParser][] = [
  ['parseManifest', (b, contentType) => parseManifest(b, { contentType })],
  ['parseIndex', (b, contentType) => parseIndex(b, { contentType })],
  ['parseTopDocument', (b, contentType) => parseTopDocument(b, { contentType })],
  ['parseConfig', (b, contentType) => parseConfig(b, { contentType })],
  ['parseOciLayout', (b) => parseOciLayout(b)],
  ['parseDescriptor', (b) => parseDescriptor(tryJson(b))],
  ['parsePlatformObject', (b) => parsePlatformObject(tryJson(b))],
];

function tryJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

/** Runs every parser on `bytes`; fails unless each one returns or throws an OciError. */
function onlyOciErrors(bytes: Uint8Array, contentType: string | undefined): void {
  for (const [name, parse] of PARSERS) {
    try {
      parse(bytes, contentType);
    } catch (err) {
      if (!isOciError(err)) {
        assert.fail(`${name} threw a non-OciError: ${err instanceof Error ? err.stack : String(err)}`);
      }
      assert.ok(err.message.length < 1000, `${name}: message too long (${err.message.length})`);
    }
  }
}

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const sha256 = hex(64).map((h) => `sha256:${h}`);
const token = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'),
  minLength: 1,
  maxLength: 12,
});
const mediaType = fc.oneof(
  fc.constantFrom(OCI.layer, OCI.layerGzip, OCI.layerZstd, OCI.config, OCI.manifest, DOCKER.layerGzip),
  fc.tuple(token, token).map(([a, b]) => `application/vnd.${a}.${b}+json`),
);
const annotations = fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 });
const platform = fc.record(
  {
    architecture: fc.constantFrom('amd64', 'arm64', 'arm', 'ppc64le', 's390x', 'unknown'),
    os: fc.constantFrom('linux', 'windows', 'unknown'),
    variant: fc.constantFrom('v6', 'v7', 'v8'),
    'os.version': fc.string(),
    'os.features': fc.array(fc.string(), { maxLength: 3 }),
  },
  { requiredKeys: ['architecture', 'os'] },
);
const descriptor = fc.record(
  {
    mediaType,
    digest: sha256,
    size: fc.maxSafeNat(),
    annotations,
    urls: fc.array(
      token.map((t) => `https://example.com/${t}`),
      { maxLength: 2 },
    ),
    artifactType: mediaType,
  },
  { requiredKeys: ['mediaType', 'digest', 'size'] },
);
const unknownFields = fc.dictionary(
  token.map((t) => `com.example.${t}`),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 2 },
);

const manifest = fc
  .record(
    {
      schemaVersion: fc.constant(2),
      mediaType: fc.constant(OCI.manifest),
      artifactType: mediaType,
      config: descriptor,
      layers: fc.array(descriptor, { maxLength: 4 }),
      subject: descriptor,
      annotations,
    },
    { requiredKeys: ['schemaVersion', 'config', 'layers'] },
  )
  .chain((m) => unknownFields.map((extra) => ({ ...extra, ...m })));

const index = fc
  .record(
    {
      schemaVersion: fc.constant(2),
      mediaType: fc.constant(OCI.index),
      artifactType: mediaType,
      manifests: fc.array(
        fc
          .tuple(descriptor, fc.option(platform, { nil: undefined }))
          .map(([d, p]) => (p === undefined ? d : { ...d, platform: p })),
        { maxLength: 4 },
      ),
      annotations,
    },
    { requiredKeys: ['schemaVersion', 'manifests'] },
  )
  .chain((m) => unknownFields.map((extra) => ({ ...extra, ...m })));

const config = fc.record(
  {
    created: fc.constant('2024-01-02T03:04:05Z'),
    architecture: fc.constantFrom('amd64', 'arm64'),
    os: fc.constantFrom('linux', 'windows'),
    config: fc.record(
      {
        User: fc.string(),
        Env: fc.array(
          fc.tuple(token, fc.string()).map(([k, v]) => `${k}=${v}`),
          { maxLength: 3 },
        ),
        Cmd: fc.array(fc.string(), { maxLength: 3 }),
        Entrypoint: fc.array(fc.string(), { maxLength: 2 }),
        Labels: annotations,
        ExposedPorts: fc.dictionary(
          fc.nat(65535).map((p) => `${p}/tcp`),
          fc.constant({}),
          { maxKeys: 2 },
        ),
        WorkingDir: fc.string(),
      },
      { requiredKeys: [] },
    ),
    rootfs: fc.record({ type: fc.constant('layers'), diff_ids: fc.array(sha256, { maxLength: 4 }) }),
    history: fc.array(
      fc.record({ created_by: fc.string(), empty_layer: fc.boolean() }, { requiredKeys: [] }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['architecture', 'os', 'rootfs'] },
);

/** The parsed value, serialised again, is the same JSON as the original bytes (unknown fields included). */
function assertSameJson(value: unknown, bytes: Uint8Array): void {
  const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
  assert.deepEqual(JSON.parse(text(serializeJson(value))), JSON.parse(text(bytes)));
}

const encode = (value: unknown, indent: number) =>
  new TextEncoder().encode(JSON.stringify(value, null, indent));

describe('valid documents parse and round-trip', () => {
  test('manifests', () => {
    fc.assert(
      fc.property(manifest, fc.nat(3), (m, indent) => {
        const bytes = encode(m, indent);
        const doc = parseTopDocument(bytes);
        assert.equal(doc.kind, 'manifest');
        assert.equal(doc.digest, digestBytes(bytes));
        assert.equal(doc.bytes, bytes);
        assertSameJson(doc.value, bytes);
        assert.deepEqual(parseManifest(serializeJson(doc.value)).value, doc.value);
        // Compact input comes back byte for byte: no field lost, reordered or rounded.
        const compact = encode(m, 0);
        assert.deepEqual(serializeJson(parseManifest(compact).value), compact);
      }),
      RUNS,
    );
  });
  test('indexes', () => {
    fc.assert(
      fc.property(index, (d) => {
        const bytes = encode(d, 0);
        const doc = parseTopDocument(bytes);
        assert.equal(doc.kind, 'index');
        assertSameJson(doc.value, bytes);
        assert.deepEqual(parseIndex(serializeJson(doc.value)).value, doc.value);
      }),
      RUNS,
    );
  });
  test('configs', () => {
    fc.assert(
      fc.property(config, (c) => {
        const bytes = encode(c, 2);
        const doc = parseConfig(bytes);
        assert.equal(doc.digest, digestBytes(bytes));
        assertSameJson(doc.value, bytes);
        assert.deepEqual(parseConfig(serializeJson(doc.value)).value, doc.value);
      }),
      RUNS,
    );
  });
});

describe('hostile input never throws anything but an OciError', () => {
  test('random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(...CONTENT_TYPES), (value, contentType) => {
        onlyOciErrors(encode(value, 0), contentType);
      }),
      RUNS,
    );
  });
  test('random bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom(...CONTENT_TYPES),
        (bytes, contentType) => {
          onlyOciErrors(bytes, contentType);
        },
      ),
      RUNS,
    );
  });
  test('random values handed to parseDescriptor and parsePlatformObject', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        for (const parse of [parseDescriptor, parsePlatformObject]) {
          try {
            parse(value);
          } catch (err) {
            if (!isOciError(err)) assert.fail(`non-OciError: ${String(err)}`);
          }
        }
      }),
      RUNS,
    );
  });

  const WEIRD = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(null, -1, 0, 1.5, 1e308, -0, '', '\u0000', 'a/b', 'sha256:', [], {}, [null], { '': '' }),
    fc.constant('__BIG__'),
    fc.constant('__NEGBIG__'),
  );

  /** Every path of objects and arrays inside `value`, the root excluded. */
  function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (value === null || typeof value !== 'object') return [];
    const out: (string | number)[][] = [];
    for (const [key, child] of Object.entries(value)) {
      const path = [...prefix, Array.isArray(value) ? Number(key) : key];
      out.push(path, ...paths(child, path));
    }
    return out;
  }

  function mutate(
    doc: unknown,
    path: (string | number)[],
    op: 'drop' | 'replace',
    replacement: unknown,
  ): string {
    const copy = structuredClone(doc) as Record<string | number, unknown>;
    let parent = copy;
    for (const segment of path.slice(0, -1)) parent = parent[segment] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    if (op === 'drop' && Array.isArray(parent)) parent.splice(last as number, 1);
    else if (op === 'drop') delete parent[last];
    else parent[last] = replacement;
    return JSON.stringify(copy)
      .replaceAll('"__BIG__"', '18446744073709551616')
      .replaceAll('"__NEGBIG__"', '-9007199254740993');
  }

  for (const [name, arbitrary] of [
    ['manifest', manifest],
    ['index', index],
    ['config', config],
  ] as const) {
    test(`mutated ${name}s: fields dropped or replaced by odd values`, () => {
      fc.assert(
        fc.property(
          arbitrary as fc.Arbitrary<unknown>,
          fc.nat(),
          fc.constantFrom('drop' as const, 'replace' as const),
          WEIRD,
          fc.constantFrom(...CONTENT_TYPES),
          (doc, pick, op, replacement, contentType) => {
            const all = paths(doc);
            if (all.length === 0) return;
            const text = mutate(doc, all[pick % all.length] as (string | number)[], op, replacement);
            onlyOciErrors(new TextEncoder().encode(text), contentType);
          },
        ),
        RUNS,
      );
    });
    test(`${name}s with truncated or flipped bytes`, () => {
      fc.assert(
        fc.property(
          arbitrary as fc.Arbitrary<unknown>,
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          fc.boolean(),
          fc.constantFrom(...CONTENT_TYPES),
          (doc, at, xor, truncate, contentType) => {
            const bytes = encode(doc, 1);
            const i = at % bytes.byteLength;
            if (truncate) onlyOciErrors(bytes.subarray(0, i), contentType);
            else {
              const flipped = Uint8Array.from(bytes);
              flipped[i] = (flipped[i] as number) ^ xor;
              onlyOciErrors(flipped, contentType);
            }
          },
        ),
        RUNS,
      );
    });
  }
});
