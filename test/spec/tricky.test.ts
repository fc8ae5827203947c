/** The 20 tricky validation cases of spec-checklist §8, one named test each, plus backwards compatibility. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDigest } from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import {
  DOCKER,
  EMPTY_DESCRIPTOR,
  OCI,
  parseConfig,
  parseDescriptor,
  parseIndex,
  parseManifest,
  parseOciLayout,
  parseTopDocument,
} from '../../src/spec/index.ts';
import {
  assertOciError,
  bytesOf,
  DOCKER_CONFIG_TEXT,
  DOCKER_LIST_TEXT,
  DOCKER_MANIFEST_TEXT,
  ociConfig,
  ociIndex,
  ociManifest,
  validDescriptor,
} from './fixtures.ts';

const descWithDigest = (digest: string) => ({ ...validDescriptor(), digest });
const invalidDigest = (digest: string) =>
  assertOciError(() => parseDescriptor(descWithDigest(digest)), 'INVALID_DOCUMENT', /^digest: /);
const HEX96 = 'b'.repeat(96);

describe('the 20 tricky validation cases', () => {
  test('1. uppercase sha256 hex is invalid', () =>
    invalidDigest('sha256:5B0BCABD1ED22E9FB1310CF6C2DEC7CDEF19F0AD69EFA1F392E94A4333501270'));
  test('2. a short sha256 is invalid', () => invalidDigest('sha256:abcdef0123456789'));
  test('3. length is checked before charset', () => {
    assertOciError(
      () => parseDescriptor(descWithDigest('sha256:d41d8cd98f00b204e9800m98ecf8427e')),
      'INVALID_DOCUMENT',
      /^digest: sha256 digest must be 64 lowercase hex characters$/,
    );
  });
  test('4. sha512 with 64 hex is invalid', () => invalidDigest(`sha512:${'a'.repeat(64)}`));
  test('5. an unregistered algorithm is valid but not verifiable', () => {
    const value = 'foo:d41d8cd98f00b204e9800998ecf8427e';
    assert.equal(parseDescriptor(descWithDigest(value)).digest, value);
    assert.equal(parseDigest(value).supported, false);
  });
  test('6. a double separator is invalid', () => invalidDigest(`sha384__foo+bar:${HEX96}`));
  test('7. sha384.foo+bar and sha384_foo+bar are valid grammar', () => {
    for (const value of [`sha384.foo+bar:${HEX96}`, `sha384_foo+bar:${HEX96}`]) {
      assert.equal(parseDescriptor(descWithDigest(value)).digest, value);
    }
  });
  test('8. empty, blank and partial digests are invalid', () => {
    for (const value of ['', '     ', ':', 'sha256:', `sha256:${' '.repeat(64)}`]) invalidDigest(value);
  });
  test('9. = is allowed in the encoded part', () => {
    const value = 'sha256+b64u.unknownlength:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564=';
    assert.equal(parseDescriptor(descWithDigest(value)).digest, value);
  });
  test('10. media types: no subtype, leading dots, 128 characters invalid; 127/127 valid', () => {
    for (const mediaType of ['application', '.foo/bar', 'foo/.bar', `${'a'.repeat(128)}/b`]) {
      assertOciError(
        () => parseDescriptor({ ...validDescriptor(), mediaType }),
        'INVALID_DOCUMENT',
        /^mediaType: /,
      );
    }
    const ok = `${'a'.repeat(127)}/${'b'.repeat(127)}`;
    assert.equal(parseDescriptor({ ...validDescriptor(), mediaType: ok }).mediaType, ok);
  });
  test('11. size "7682" and -1 invalid; 0 with the empty sha256 valid', () => {
    assertOciError(
      () => parseDescriptor({ ...validDescriptor(), size: '7682' }),
      'INVALID_DOCUMENT',
      /^size: /,
    );
    assertOciError(() => parseDescriptor({ ...validDescriptor(), size: -1 }), 'INVALID_DOCUMENT', /^size: /);
    const empty = {
      mediaType: OCI.layer,
      digest: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      size: 0,
    };
    assert.equal(parseDescriptor(empty).size, 0);
  });
  test('12. unpadded data is invalid; data not matching the digest fails verification', () => {
    assertOciError(
      () => parseDescriptor({ ...EMPTY_DESCRIPTOR, data: 'e30' }),
      'INVALID_DOCUMENT',
      /^data: must be padded/,
    );
    assertOciError(
      () => parseDescriptor({ ...EMPTY_DESCRIPTOR, data: 'e3s=' }),
      'INVALID_DOCUMENT',
      /^data: decodes to content with digest/,
    );
    // 'e31=' also decodes to {}, but with non-zero padding bits: refused as non-canonical.
    assertOciError(
      () => parseDescriptor({ ...EMPTY_DESCRIPTOR, data: 'e31=' }),
      'INVALID_DOCUMENT',
      /^data: must be canonical base64/,
    );
  });
  test('13. urls must be URIs', () => {
    assertOciError(
      () => parseDescriptor({ ...validDescriptor(), urls: ['value'] }),
      'INVALID_DOCUMENT',
      /^urls\[0\]: /,
    );
    assert.deepEqual(parseDescriptor({ ...validDescriptor(), urls: ['https://example.com/foo'] }).urls, [
      'https://example.com/foo',
    ]);
  });
  test('14. layers: [] is accepted (registries must take it)', () => {
    assert.equal(parseManifest(bytesOf({ ...ociManifest(), layers: [] })).value.layers.length, 0);
  });
  test('15. schemaVersion 1 or "2", and a foreign manifest mediaType, are invalid', () => {
    for (const schemaVersion of [1, '2']) {
      assertOciError(
        () => parseManifest(bytesOf({ ...ociManifest(), schemaVersion })),
        'INVALID_DOCUMENT',
        /^schemaVersion: must be 2/,
      );
    }
    assertOciError(
      () => parseManifest(bytesOf({ ...ociManifest(), mediaType: OCI.index })),
      'INVALID_DOCUMENT',
      /^mediaType: /,
    );
  });
  test('16. manifests together with layers/config is refused (CVE-2021-41190)', () => {
    assertOciError(
      () => parseTopDocument(bytesOf({ ...ociIndex(), layers: [] })),
      'INVALID_DOCUMENT',
      /CVE-2021-41190/,
    );
    assertOciError(
      () => parseTopDocument(bytesOf({ ...ociManifest(), manifests: [] })),
      'INVALID_DOCUMENT',
      /CVE-2021-41190/,
    );
  });
  test('17. index platform {"os":"linux"} is invalid', () => {
    const index = ociIndex() as { manifests: Record<string, unknown>[] };
    (index.manifests[0] as Record<string, unknown>).platform = { os: 'linux' };
    assertOciError(
      () => parseIndex(bytesOf(index)),
      'INVALID_DOCUMENT',
      /^manifests\[0\]\.platform\.architecture: is required$/,
    );
  });
  test('18. config Env ["foo"], rootfs.type "layer" and os 123 are invalid', () => {
    const base = ociConfig() as Record<string, Record<string, unknown>>;
    assertOciError(
      () => parseConfig(bytesOf({ ...base, config: { ...base.config, Env: ['foo'] } })),
      'INVALID_DOCUMENT',
      /^config\.Env\[0\]: /,
    );
    assertOciError(
      () => parseConfig(bytesOf({ ...base, rootfs: { ...base.rootfs, type: 'layer' } })),
      'INVALID_DOCUMENT',
      /^rootfs\.type: /,
    );
    assertOciError(() => parseConfig(bytesOf({ ...base, os: 123 })), 'INVALID_DOCUMENT', /^os: /);
  });
  test('19. imageLayoutVersion "1.0.1" is invalid', () => {
    assertOciError(
      () => parseOciLayout(bytesOf({ imageLayoutVersion: '1.0.1' })),
      'INVALID_DOCUMENT',
      /^imageLayoutVersion: /,
    );
  });
  test('20. an empty config without artifactType violates manifest.md', () => {
    const m = { ...ociManifest(), config: { ...EMPTY_DESCRIPTOR } };
    assertOciError(() => parseManifest(bytesOf(m)), 'INVALID_DOCUMENT', /^artifactType: is required/);
    assert.equal(
      parseManifest(bytesOf({ ...m, artifactType: 'application/vnd.example+json' })).kind,
      'manifest',
    );
  });
});

describe('backwards compatibility: Docker documents are OCI-valid after substituting media types', () => {
  const substitute = (text: string) =>
    text
      .replaceAll(DOCKER.manifestList, OCI.index)
      .replaceAll(DOCKER.manifest, OCI.manifest)
      .replaceAll(DOCKER.config, OCI.config)
      .replaceAll(DOCKER.foreignLayerGzip, OCI.layerNondistributableGzip)
      .replaceAll(DOCKER.layerGzip, OCI.layerGzip);
  test('manifest list', () => {
    const doc = parseTopDocument(bytesOf(substitute(DOCKER_LIST_TEXT)), { contentType: OCI.index });
    assert.equal(doc.mediaType, OCI.index);
  });
  test('manifest with layers', () => {
    const doc = parseTopDocument(bytesOf(substitute(DOCKER_MANIFEST_TEXT)), { contentType: OCI.manifest });
    assert.equal(doc.kind, 'manifest');
    assert.equal(doc.value.layers[0]?.mediaType, OCI.layerGzip);
  });
  test('config', () => {
    assert.equal(parseConfig(bytesOf(DOCKER_CONFIG_TEXT), { contentType: OCI.config }).value.os, 'linux');
  });
  test('errors are OciErrors with structured data', () => {
    try {
      parseTopDocument(bytesOf({ ...ociManifest(), schemaVersion: 3 }));
      assert.fail('expected a throw');
    } catch (err) {
      assert.ok(isOciError(err, 'INVALID_DOCUMENT'));
      assert.deepEqual(err.data, { path: 'schemaVersion', rule: 'must be 2, not 3' });
    }
  });
});
