/**
 * I-JSON handling of every parser (considerations.md, spec-checklist §10.22): size limit before
 * parsing, UTF-8, malformed JSON, duplicate keys, and sizes beyond 2^53-1 never rounded.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import {
  decodeJson,
  isRawJson,
  MAX_MANIFEST_BYTES,
  parseConfig,
  parseIndex,
  parseManifest,
  parseOciLayout,
  parseTopDocument,
  serializeJson,
} from '../../src/spec/index.ts';
import { assertOciError, bytesOf, ociConfig, ociIndex, ociManifest } from './fixtures.ts';

function manifestWithConfigSize(sizeText: string): Uint8Array {
  const text = JSON.stringify(ociManifest()).replace('"size":7023', `"size":${sizeText}`);
  assert.ok(text.includes(sizeText));
  return bytesOf(text);
}

describe('sizes beyond 2^53-1 are refused, never rounded', () => {
  for (const sizeText of [
    '9007199254740992',
    '9007199254740993',
    '18446744073709551616',
    '9223372036854775807',
  ]) {
    test(`size ${sizeText}`, () => {
      assertOciError(
        () => parseManifest(manifestWithConfigSize(sizeText)),
        'INVALID_DOCUMENT',
        new RegExp(`^config\\.size: ${sizeText} exceeds 2\\^53-1 \\(9007199254740991\\)`),
      );
    });
  }
  test('2^53-1 itself is accepted exactly', () => {
    assert.equal(
      parseManifest(manifestWithConfigSize('9007199254740991')).value.config.size,
      Number.MAX_SAFE_INTEGER,
    );
  });
  test('a huge negative size says negative', () => {
    assertOciError(
      () => parseManifest(manifestWithConfigSize('-18446744073709551616')),
      'INVALID_DOCUMENT',
      /^config\.size: must not be negative$/,
    );
  });
  test('an exponent size beyond 2^53-1 is refused', () => {
    assertOciError(
      () => parseManifest(manifestWithConfigSize('1e300')),
      'INVALID_DOCUMENT',
      /^config\.size: exceeds 2\^53-1/,
    );
  });
  test('a fractional size is refused', () => {
    assertOciError(
      () => parseManifest(manifestWithConfigSize('7023.5')),
      'INVALID_DOCUMENT',
      /^config\.size: must be an integer$/,
    );
  });
  test('a huge integer in an unknown field is kept digit for digit', () => {
    const text =
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"x":18446744073709551616}';
    const doc = parseConfig(bytesOf(text));
    assert.ok(isRawJson(doc.value.x));
    assert.equal(new TextDecoder().decode(serializeJson(doc.value)).includes('18446744073709551616'), true);
  });
  test('huge integers inside arrays and after whitespace are kept exactly too', () => {
    const text =
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"x":[1,\n\t 9007199254740993, [-18446744073709551617]]}';
    const doc = parseConfig(bytesOf(text));
    assert.equal(
      new TextDecoder().decode(serializeJson(doc.value.x)),
      '[1,9007199254740993,[-18446744073709551617]]',
    );
    assertOciError(
      () =>
        parseManifest(
          bytesOf(JSON.stringify(ociManifest()).replace('"size":7023', '"size":\n  9007199254740993')),
        ),
      'INVALID_DOCUMENT',
      /^config\.size: 9007199254740993 exceeds/,
    );
  });
});

describe('documents above the size limit are TOO_LARGE before parsing', () => {
  test('a 100 MiB document is refused by every parser without being read', () => {
    // Not JSON at all: proves the limit is checked before any decoding.
    const huge = new Uint8Array(100 * 1024 * 1024).fill(0x20);
    for (const parse of [parseManifest, parseIndex, parseTopDocument, parseConfig]) {
      assertOciError(() => parse(huge), 'TOO_LARGE', /104857600 bytes, more than the \d+-byte limit/);
    }
    assertOciError(() => parseOciLayout(huge), 'TOO_LARGE');
  });
  test('the default manifest limit is 4 MiB and maxBytes changes it', () => {
    const m = ociManifest();
    m['com.example.pad'] = 'x'.repeat(MAX_MANIFEST_BYTES);
    const bytes = bytesOf(m);
    assertOciError(() => parseManifest(bytes), 'TOO_LARGE');
    assert.equal(parseManifest(bytes, { maxBytes: 2 * MAX_MANIFEST_BYTES }).kind, 'manifest');
    assertOciError(() => parseIndex(bytesOf(ociIndex()), { maxBytes: 10 }), 'TOO_LARGE');
  });
  test('TOO_LARGE carries the size and limit', () => {
    assert.throws(
      () => decodeJson(new Uint8Array(11), 10, 'thing'),
      (err: unknown) => isOciError(err, 'TOO_LARGE') && err.data.size === 11 && err.data.limit === 10,
    );
  });
});

describe('malformed input is INVALID_DOCUMENT', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['truncated JSON', bytesOf('{"schemaVersion": 2, "config": {'), /^not valid JSON: /],
    ['empty input', new Uint8Array(0), /^not valid JSON: /],
    ['trailing garbage', bytesOf('{"schemaVersion":2,"manifests":[]} x'), /^not valid JSON: /],
    ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), /^not valid UTF-8/],
    [
      'an overlong UTF-8 encoding',
      new Uint8Array([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]),
      /^not valid UTF-8/,
    ],
    [
      'a UTF-8 byte order mark',
      new Uint8Array([0xef, 0xbb, 0xbf, ...bytesOf('{"schemaVersion":2,"manifests":[]}')]),
      /^not valid JSON/,
    ],
    ['UTF-16 text', new Uint8Array(Buffer.from('{"schemaVersion":2}', 'utf16le')), /^not valid JSON/],
    ['a top-level array', bytesOf('[]'), /^must be a JSON object, not an array$/],
    ['a top-level string', bytesOf('"manifest"'), /^must be a JSON object, not a string$/],
    ['top-level null', bytesOf('null'), /^must be a JSON object, not null$/],
  ];
  for (const [name, bytes, message] of cases) {
    test(name, () => {
      for (const parse of [parseManifest, parseIndex, parseTopDocument, parseConfig, parseOciLayout]) {
        assertOciError(() => parse(bytes), 'INVALID_DOCUMENT', message);
      }
    });
  }
});

describe('duplicate object keys are refused (I-JSON)', () => {
  test('at the top level', () => {
    assertOciError(
      () => parseIndex(bytesOf('{"schemaVersion":2,"manifests":[],"schemaVersion":2}')),
      'INVALID_DOCUMENT',
      /^schemaVersion: duplicate object key/,
    );
  });
  test('nested in an array, with the path named', () => {
    const text = JSON.stringify(ociManifest()).replace('"size":16724', '"size":16724,"size":1');
    assertOciError(
      () => parseManifest(bytesOf(text)),
      'INVALID_DOCUMENT',
      /^layers\[1\]\.size: duplicate object key/,
    );
  });
  test('a duplicate spelled with an escape', () => {
    assertOciError(
      () => parseConfig(bytesOf('{"os":"linux","o\\u0073":"windows"}')),
      'INVALID_DOCUMENT',
      /^os: duplicate object key/,
    );
  });
  test('equal strings as values, or keys in sibling objects, are fine', () => {
    const text = '{"a":{"k":"k"},"b":{"k":"a\\"b"},"c":["k","k"],"d":{"e\\\\":1,"e":2}}';
    assert.deepEqual(decodeJson(bytesOf(text), 1000, 'doc'), JSON.parse(text));
  });
});

describe('serializeJson', () => {
  test('writes compact UTF-8 JSON in the given field order', () => {
    const bytes = serializeJson({ b: 1, a: ['é', { z: null }] });
    assert.equal(Buffer.from(bytes).toString('utf8'), '{"b":1,"a":["é",{"z":null}]}');
  });
  test('refuses values JSON cannot hold', () => {
    assertOciError(() => serializeJson(undefined), 'INVALID_ARGUMENT');
  });
  test('a parsed config re-serialises to the same JSON when nothing was normalised', () => {
    const compact = bytesOf(JSON.stringify(ociConfig()));
    const doc = parseConfig(compact);
    assert.deepEqual(
      JSON.parse(new TextDecoder().decode(serializeJson(doc.value))),
      JSON.parse(new TextDecoder().decode(compact)),
    );
  });
});

describe('values keep every field', () => {
  test('keys named __proto__ and constructor are kept as data and pollute nothing', () => {
    const text =
      '{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:' +
      'a'.repeat(64) +
      '","size":1,"annotations":{"__proto__":"x","constructor":"y"}},"layers":[],"__proto__":{"polluted":true}}';
    const doc = parseManifest(bytesOf(text));
    assert.equal(Object.hasOwn(doc.value.config.annotations ?? {}, '__proto__'), true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((doc.value as unknown as Record<string, unknown>).polluted, undefined);
    assert.equal(Buffer.from(serializeJson(doc.value)).toString(), text);
  });
  test('a compact document re-serialises byte for byte', () => {
    const compact = bytesOf(JSON.stringify(ociIndex()));
    assert.deepEqual(serializeJson(parseIndex(compact).value), compact);
  });
});

describe('hostile documents get short, typed errors', () => {
  const config = (x: string) =>
    `{"architecture":"a","os":"l","rootfs":{"type":"layers","diff_ids":[]},"x":${x}}`;
  const deep = (n: number, inner: string) => '['.repeat(n) + inner + ']'.repeat(n);
  test('a million nested arrays holding a long integer', () => {
    assertOciError(
      () => parseConfig(bytesOf(config(deep(1_000_000, '12345678901234567890')))),
      'INVALID_DOCUMENT',
      /nests arrays and objects more than 256 levels deep/,
    );
  });
  test('a million nested arrays in an unknown field are refused before parsing, with a short message', () => {
    assert.throws(
      () => parseConfig(bytesOf(config(deep(1_000_000, '1')))),
      (err: unknown) =>
        isOciError(err, 'INVALID_DOCUMENT') &&
        err.message.length < 500 &&
        err.message.startsWith('x[0][0]') &&
        /more than 256 levels deep/.test(err.message),
    );
  });
  test('nesting is accepted up to 256 levels and refused at 257', () => {
    // The document object itself is one level, so x may hold 255 arrays.
    const value = parseConfig(bytesOf(config(deep(255, '1')))).value.x;
    assert.ok(Array.isArray(value));
    assertOciError(() => parseConfig(bytesOf(config(deep(256, '1')))), 'INVALID_DOCUMENT', /256 levels/);
  });
  test('deep objects count as much as deep arrays', () => {
    const text = config(`${'{"a":'.repeat(300)}1${'}'.repeat(300)}`);
    assertOciError(() => parseConfig(bytesOf(text)), 'INVALID_DOCUMENT', /^x(\.a)+\.?…: nests/);
  });
  test('deep nesting in invalid JSON is refused as too deep, without a RangeError', () => {
    assertOciError(
      () => decodeJson(bytesOf(`${'['.repeat(1_000_000)}"\\q`), 1e7, 'doc'),
      'INVALID_DOCUMENT',
      /levels deep/,
    );
  });
  test('invalid JSON holding a duplicate key still says not valid JSON', () => {
    assertOciError(
      () => decodeJson(bytesOf('{"a":1,"a":2,}'), 100, 'doc'),
      'INVALID_DOCUMENT',
      /not valid JSON/,
    );
  });
  test('a duplicated 100 000-character key', () => {
    const key = 'k'.repeat(100_000);
    assert.throws(
      () => parseManifest(bytesOf(`{"schemaVersion":2,"x":{"${key}":1,"${key}":2}}`)),
      (err: unknown) =>
        isOciError(err, 'INVALID_DOCUMENT') &&
        err.message.length < 500 &&
        /duplicate object key/.test(err.message),
    );
  });
  test('a 100 000-digit schemaVersion and size', () => {
    const digits = '9'.repeat(100_000);
    for (const text of [
      `{"schemaVersion":${digits},"manifests":[]}`,
      JSON.stringify(ociManifest()).replace('"size":7023', `"size":${digits}`),
    ]) {
      assert.throws(
        () => parseTopDocument(bytesOf(text)),
        (err: unknown) => isOciError(err, 'INVALID_DOCUMENT') && err.message.length < 300,
      );
    }
  });
  test('a huge mediaType or Content-Type is not echoed whole', () => {
    const long = `application/${'x'.repeat(100_000)}`;
    for (const run of [
      () => parseTopDocument(bytesOf({ ...ociManifest(), mediaType: long })),
      () => parseTopDocument(bytesOf(ociManifest()), { contentType: long }),
      () =>
        parseTopDocument(bytesOf({ ...ociManifest(), mediaType: long }), {
          contentType: 'application/vnd.oci.image.manifest.v1+json',
        }),
    ]) {
      assert.throws(
        run,
        (err: unknown) =>
          isOciError(err) && err.message.length < 500 && JSON.stringify(err.data).length < 1000,
      );
    }
  });
});
