/** The digest grammar and registered algorithms (descriptor.md "Digests", spec-checklist §1.1, §9, §10.7). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  digestBytes,
  digestProblem,
  encodedLength,
  isDigest,
  makeDigest,
  parseDigest,
  parseSupportedDigest,
} from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';

const HEX64 = '5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270';
const HEX96 = 'a'.repeat(96);

function assertInvalid(value: string, reason?: RegExp): void {
  assert.throws(
    () => parseDigest(value),
    (err: unknown) => {
      assert.ok(isOciError(err, 'INVALID_DIGEST'), `expected INVALID_DIGEST for ${JSON.stringify(value)}`);
      if (reason !== undefined) assert.match(err.message, reason);
      return true;
    },
  );
  assert.equal(isDigest(value), false);
}

describe('invalid digests (tricky cases 1-4, 6, 8)', () => {
  const format = /must match algorithm ":" encoded/;
  const length = /sha\d+ digest must be \d+ lowercase hex characters/;
  const cases: [string, string, RegExp][] = [
    ['uppercase hex', `sha256:${HEX64.toUpperCase()}`, length],
    ['short sha256', 'sha256:abcdef0123456789', length],
    ['length checked before charset', 'sha256:d41d8cd98f00b204e9800m98ecf8427e', length],
    ['sha512 with 64 hex', `sha512:${HEX64}`, /sha512 digest must be 128 lowercase hex characters/],
    ['sha256 with 65 hex', `sha256:${HEX64}a`, length],
    ['blake3 with uppercase', `blake3:${HEX64.toUpperCase()}`, /blake3 digest must be 64/],
    ['double separator', `sha384__foo+bar:${HEX96}`, format],
    ['empty', '', format],
    ['spaces', '     ', format],
    ['colon only', ':', format],
    ['empty encoded part', 'sha256:', format],
    ['spaces as encoded part', `sha256:${' '.repeat(64)}`, format],
    ['no algorithm', `:${HEX64}`, format],
    ['no colon', 'sha256', format],
    ['uppercase algorithm', `SHA256:${HEX64}`, format],
    ['repeated separators', `sha256+foo+-b:${HEX64}`, format],
    ['trailing separator in algorithm', `sha256+:${HEX64}`, format],
    ['two colons', `sha256:${HEX64}:x`, format],
    ['newline after a valid digest', `sha256:${HEX64}\n`, format],
  ];
  for (const [name, value, reason] of cases) test(name, () => assertInvalid(value, reason));
});

describe('path traversal through digests is impossible (spec-checklist §10.7)', () => {
  for (const value of [
    'sha256:../../etc/passwd',
    'sha256:../../../etc/passwd',
    '../sha256:abc',
    'sha256/../../x:abc',
    `sha256:${HEX64.slice(0, 60)}/../`,
    'sha256:..%2f..%2fetc',
    'sha256:\u0000',
  ]) {
    test(`refuses ${JSON.stringify(value)}`, () => {
      assertInvalid(value);
      assert.throws(
        () => parseSupportedDigest(value),
        (err: unknown) => isOciError(err, 'INVALID_DIGEST'),
      );
    });
  }
});

describe('valid digests', () => {
  test('registered algorithms are supported', () => {
    const sha256 = parseDigest(`sha256:${HEX64}`);
    assert.deepEqual(
      { ...sha256 },
      { digest: `sha256:${HEX64}`, algorithm: 'sha256', encoded: HEX64, supported: true },
    );
    assert.equal(parseDigest(`sha512:${'0'.repeat(128)}`).supported, true);
    assert.equal(parseSupportedDigest(`sha256:${HEX64}`).algorithm, 'sha256');
  });
  test('blake3 is registered but not implemented', () => {
    assert.equal(parseDigest(`blake3:${HEX64}`).supported, false);
  });
  const unsupported: [string, string][] = [
    ['unregistered algorithm (tricky 5)', 'foo:d41d8cd98f00b204e9800998ecf8427e'],
    ['sha384.foo+bar (tricky 7)', `sha384.foo+bar:${HEX96}`],
    ['sha384_foo+bar (tricky 7)', `sha384_foo+bar:${HEX96}`],
    [
      '= allowed in encoded (tricky 9)',
      'sha256+b64u.unknownlength:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564=',
    ],
    ['multihash+base58', 'multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8'],
    ['sha384 (defined by go-digest, not registered by OCI)', `sha384:${HEX96}`],
  ];
  for (const [name, value] of unsupported) {
    test(`${name}: grammar-valid but unsupported`, () => {
      assert.equal(digestProblem(value), undefined);
      assert.equal(isDigest(value), true);
      assert.equal(parseDigest(value).supported, false);
      assert.throws(
        () => parseSupportedDigest(value),
        (err: unknown) => isOciError(err, 'UNSUPPORTED_DIGEST') && /not supported/.test(err.message),
      );
    });
  }
  test('encodedLength and makeDigest', () => {
    assert.equal(encodedLength('sha256'), 64);
    assert.equal(encodedLength('sha512'), 128);
    assert.equal(makeDigest('sha256', HEX64), `sha256:${HEX64}`);
  });
  test('a very long invalid digest is truncated in the message', () => {
    const value = `sha256:${'Z'.repeat(10_000)}`;
    assert.throws(
      () => parseDigest(value),
      (err: unknown) => isOciError(err, 'INVALID_DIGEST') && err.message.length < 400,
    );
  });
});

describe('test vectors (spec-checklist §9)', () => {
  test('sha256 and sha512 of the empty string', () => {
    assert.equal(digestBytes(''), 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(
      digestBytes(new Uint8Array(0), 'sha512'),
      'sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e',
    );
  });
  test('sha256 of {} is the empty descriptor digest', () => {
    assert.equal(
      digestBytes('{}'),
      'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    );
    assert.equal(Buffer.from('{}').toString('base64'), 'e30=');
  });
  test('the DiffID of an empty tar (two zero blocks) and of a GNU-blocked one', () => {
    assert.equal(
      digestBytes(new Uint8Array(1024)),
      'sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef',
    );
    assert.equal(
      digestBytes(new Uint8Array(10240)),
      'sha256:84ff92691f909a05b224e1c56abb4864f01b4f8e3c854e4bb4c7baf1d3f6d652',
    );
  });
});
