/** descriptor.md rules (spec-checklist §8 "descriptor" categories and tricky cases 1-13). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EMPTY_JSON_DIGEST, OCI, parseDescriptor, parsePlatformObject } from '../../src/spec/index.ts';
import { assertOciError, validDescriptor } from './fixtures.ts';

const HEX = '5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270';

function withField(field: string, value: unknown): Record<string, unknown> {
  return { ...validDescriptor(), [field]: value };
}

function without(field: string): Record<string, unknown> {
  const desc = validDescriptor();
  delete desc[field];
  return desc;
}

describe('descriptor: invalid cases are refused with the path and rule', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['missing mediaType', without('mediaType'), /^mediaType: is required$/],
    ['missing size', without('size'), /^size: is required$/],
    ['missing digest', without('digest'), /^digest: is required$/],
    [
      'mediaType without a subtype',
      withField('mediaType', 'application'),
      /^mediaType: must be a media type/,
    ],
    ['mediaType type starting with a dot', withField('mediaType', '.foo/bar'), /^mediaType: .*RFC 6838/],
    ['mediaType subtype starting with a dot', withField('mediaType', 'foo/.bar'), /^mediaType: .*RFC 6838/],
    ['mediaType type of 128 characters', withField('mediaType', `${'a'.repeat(128)}/bar`), /^mediaType: /],
    ['mediaType subtype of 128 characters', withField('mediaType', `foo/${'a'.repeat(128)}`), /^mediaType: /],
    ['mediaType with parameters', withField('mediaType', 'text/plain; charset=utf-8'), /^mediaType: /],
    ['mediaType not a string', withField('mediaType', 42), /^mediaType: must be a string, not a number$/],
    ['size as a string', withField('size', '7682'), /^size: must be an integer, not a string$/],
    ['size negative', withField('size', -7682), /^size: must not be negative$/],
    ['size minus one', withField('size', -1), /^size: must not be negative$/],
    ['size fractional', withField('size', 1.5), /^size: must be an integer$/],
    ['size null', withField('size', null), /^size: must be an integer, not null$/],
    ['size above 2^53-1 as a double', withField('size', 2 ** 60), /^size: exceeds 2\^53-1/],
    ['digest without algorithm', withField('digest', `:${HEX}`), /^digest: must match algorithm/],
    ['digest without colon', withField('digest', 'sha256'), /^digest: must match algorithm/],
    [
      'digest with uppercase algorithm',
      withField('digest', `SHA256:${HEX}`),
      /^digest: must match algorithm/,
    ],
    [
      'digest with uppercase hex',
      withField('digest', `sha256:${HEX.toUpperCase()}`),
      /^digest: sha256 digest must be 64 lowercase hex/,
    ],
    [
      'digest with repeated separators',
      withField('digest', `sha256+foo+-b:${HEX}`),
      /^digest: must match algorithm/,
    ],
    [
      'digest path traversal',
      withField('digest', 'sha256:../../etc/passwd'),
      /^digest: must match algorithm/,
    ],
    ['urls entry not a URI', withField('urls', ['value']), /^urls\[0\]: must be an absolute URI/],
    [
      'urls entry with a space',
      withField('urls', ['https://example.com/a b']),
      /^urls\[0\]: must be an absolute URI/,
    ],
    [
      'urls entry with a bad escape',
      withField('urls', ['https://example.com/%zz']),
      /^urls\[0\]: must be an absolute URI/,
    ],
    [
      'urls not an array',
      withField('urls', 'https://example.com/'),
      /^urls: must be an array, not a string$/,
    ],
    ['artifactType starting with a dot', withField('artifactType', 'foo/.bar'), /^artifactType: .*RFC 6838/],
    [
      'data without padding',
      withField('data', 'aHR0cHM6Ly9naXRodWIuY29tL29wZW5jb250YWluZXJzCg'),
      /^data: must be padded standard base64/,
    ],
    ['data in the URL-safe alphabet', withField('data', 'a-_='), /^data: must be padded standard base64/],
    [
      'annotation value not a string',
      withField('annotations', { 'com.example.n': 1 }),
      /^annotations\["com.example.n"\]: must be a string, not a number$/,
    ],
    [
      'annotations not a map',
      withField('annotations', ['a']),
      /^annotations: must be an object, not an array$/,
    ],
    ['not an object', [] as unknown as Record<string, unknown>, /must be an object, not an array/],
  ];
  for (const [name, value, message] of cases) {
    test(name, () => assertOciError(() => parseDescriptor(value), 'INVALID_DOCUMENT', message));
  }

  test('the path prefix given by the caller is part of the message and data', () => {
    assert.throws(
      () => parseDescriptor(withField('size', -1), 'manifests[4]'),
      (err: { message: string; data: Record<string, unknown> }) => {
        assert.equal(err.message, 'manifests[4].size: must not be negative');
        assert.deepEqual(err.data, { path: 'manifests[4].size', rule: 'must not be negative' });
        return true;
      },
    );
  });
});

describe('descriptor: valid cases are accepted', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['the minimal descriptor', validDescriptor()],
    [
      'a zero-length blob with the empty sha256',
      {
        mediaType: OCI.layer,
        digest: 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        size: 0,
      },
    ],
    ['algorithm sha256+b64', withField('digest', 'sha256+b64:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564')],
    ['algorithm sha256+foo-bar', withField('digest', `sha256+foo-bar:${HEX}`)],
    ['algorithm sha256.foo-bar', withField('digest', `sha256.foo-bar:${HEX}`)],
    [
      'algorithm multihash+base58',
      withField('digest', 'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8'),
    ],
    ['algorithm sha256+b64u', withField('digest', 'sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564')],
    [
      'encoded part with =',
      withField('digest', 'sha256+b64u.unknownlength:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564='),
    ],
    ['an unregistered algorithm', withField('digest', 'foo:d41d8cd98f00b204e9800998ecf8427e')],
    ['artifactType equal to the manifest type', withField('artifactType', OCI.manifest)],
    ['type and subtype of 127 characters', withField('mediaType', `${'a'.repeat(127)}/${'b'.repeat(127)}`)],
    ['RFC 6838 punctuation', withField('mediaType', 'application/vnd.a!#$&^_.+-b')],
    ['an https url', withField('urls', ['https://example.com/foo', 'http://example.com/a%20b?x=1#f'])],
    ['empty annotations', withField('annotations', {})],
    ['an empty annotation value', withField('annotations', { 'com.example.empty': '' })],
  ];
  for (const [name, value] of cases) {
    test(name, () => assert.equal(parseDescriptor(value).digest, value.digest));
  }

  test('unknown fields are kept', () => {
    const desc = parseDescriptor(withField('com.example.extra', { nested: [1, 2] }));
    assert.deepEqual((desc as unknown as Record<string, unknown>)['com.example.extra'], { nested: [1, 2] });
  });
});

describe('descriptor: embedded data is verified (descriptor.md "data")', () => {
  test('padded data matching digest and size is accepted', () => {
    const desc = parseDescriptor({ mediaType: OCI.empty, digest: EMPTY_JSON_DIGEST, size: 2, data: 'e30=' });
    assert.equal(desc.data, 'e30=');
  });
  test('data whose length differs from size is refused', () => {
    assertOciError(
      () => parseDescriptor({ mediaType: OCI.empty, digest: EMPTY_JSON_DIGEST, size: 3, data: 'e30=' }),
      'INVALID_DOCUMENT',
      /^data: decodes to 2 bytes but size is 3$/,
    );
  });
  test('data that decodes to bytes with another digest is refused', () => {
    assertOciError(
      () => parseDescriptor({ mediaType: OCI.empty, digest: `sha256:${HEX}`, size: 2, data: 'e30=' }),
      'INVALID_DOCUMENT',
      /^data: decodes to content with digest sha256:44136fa3.* not sha256:5b0b/,
    );
  });
  test('sha512 data is verified too', () => {
    const sha512 =
      'sha512:27c74670adb75075fad058d5ceaf7b20c4e7786c83bae8a32f626f9782af34c9a33c2046ef60fd2a7878d378e29fec851806bbd9a67878f3a9f1cda4830763fd';
    assert.equal(parseDescriptor({ mediaType: OCI.empty, digest: sha512, size: 2, data: 'e30=' }).size, 2);
    assertOciError(
      () =>
        parseDescriptor({
          mediaType: OCI.empty,
          digest: sha512.replace('27c7', '27c8'),
          size: 2,
          data: 'e30=',
        }),
      'INVALID_DOCUMENT',
      /^data: decodes to content with digest sha512:/,
    );
  });
  test('data under an unverifiable algorithm is checked for size only', () => {
    const desc = parseDescriptor({ mediaType: OCI.empty, digest: 'foo+bar:abc', size: 2, data: 'e30=' });
    assert.equal(desc.size, 2);
  });
});

describe('platform objects (image-index.md "platform")', () => {
  test('architecture is required', () => {
    assertOciError(
      () => parsePlatformObject({ os: 'linux' }, 'manifests[0].platform'),
      'INVALID_DOCUMENT',
      /^manifests\[0\]\.platform\.architecture: is required$/,
    );
  });
  test('os is required', () => {
    assertOciError(
      () => parsePlatformObject({ architecture: 'amd64' }),
      'INVALID_DOCUMENT',
      /^os: is required$/,
    );
  });
  test('os.features must be strings', () => {
    assertOciError(
      () => parsePlatformObject({ architecture: 'amd64', os: 'windows', 'os.features': [1] }),
      'INVALID_DOCUMENT',
      /^\["os.features"\]\[0\]: must be a string/,
    );
  });
  test('a full platform keeps every field and unknown ones', () => {
    const value = {
      architecture: 'amd64',
      os: 'windows',
      'os.version': '10.0.14393.1066',
      'os.features': ['win32k'],
      variant: 'v2',
      features: ['sse4'],
      'com.example.extra': true,
    };
    assert.deepEqual(parsePlatformObject(value), value);
  });
});
