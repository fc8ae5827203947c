/** distribution/reference grammar and ParseNormalizedNamed semantics (spec-checklist §6). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, OciError } from '../../src/errors/index.ts';
import {
  normalizeReference,
  parseReference,
  type Reference,
  validateRegistry,
  validateRepository,
  validateTag,
} from '../../src/reference/index.ts';

const F64 = 'f'.repeat(64);
const SHA256 = `sha256:${F64}`;
const SHA512 = `sha512:${'f'.repeat(128)}`;

function rejects(input: string, message: RegExp, code: string = ErrorCode.INVALID_REFERENCE): void {
  assert.throws(
    () => parseReference(input),
    (err: unknown) => {
      assert.ok(err instanceof OciError, `expected OciError for ${JSON.stringify(input)}`);
      assert.equal(err.code, code, `code for ${JSON.stringify(input)}: ${err.message}`);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('parseReference: valid references', () => {
  const cases: Array<[string, Reference]> = [
    ['test_com', { registry: 'docker.io', repository: 'library/test_com' }],
    ['test.com:tag', { registry: 'docker.io', repository: 'library/test.com', tag: 'tag' }],
    ['test.com:5000', { registry: 'docker.io', repository: 'library/test.com', tag: '5000' }],
    ['test.com/repo:tag', { registry: 'test.com', repository: 'repo', tag: 'tag' }],
    ['test:5000/repo', { registry: 'test:5000', repository: 'repo' }],
    ['test:5000/repo:tag', { registry: 'test:5000', repository: 'repo', tag: 'tag' }],
    ['test:5000/repo@' + SHA256, { registry: 'test:5000', repository: 'repo', digest: SHA256 as never }],
    [
      'test:5000/repo:tag@' + SHA256,
      { registry: 'test:5000', repository: 'repo', tag: 'tag', digest: SHA256 as never },
    ],
    ['repo@' + SHA256, { registry: 'docker.io', repository: 'library/repo', digest: SHA256 as never }],
    ['lowercase:Uppercase', { registry: 'docker.io', repository: 'library/lowercase', tag: 'Uppercase' }],
    ['sub-dom1.foo.com/bar/baz/quux', { registry: 'sub-dom1.foo.com', repository: 'bar/baz/quux' }],
    [
      'sub-dom1.foo.com/bar/baz/quux:some-long-tag',
      { registry: 'sub-dom1.foo.com', repository: 'bar/baz/quux', tag: 'some-long-tag' },
    ],
    [
      'b.gcr.io/test.example.com/my-app:test.example.com',
      { registry: 'b.gcr.io', repository: 'test.example.com/my-app', tag: 'test.example.com' },
    ],
    [
      'xn--n3h.com/myimage:xn--n3h.com',
      { registry: 'xn--n3h.com', repository: 'myimage', tag: 'xn--n3h.com' },
    ],
    [
      'xn--7o8h.com/myimage:xn--7o8h.com@' + SHA512,
      { registry: 'xn--7o8h.com', repository: 'myimage', tag: 'xn--7o8h.com', digest: SHA512 as never },
    ],
    ['foo_bar.com:8080', { registry: 'docker.io', repository: 'library/foo_bar.com', tag: '8080' }],
    ['foo/foo_bar.com:8080', { registry: 'docker.io', repository: 'foo/foo_bar.com', tag: '8080' }],
    ['192.168.1.1', { registry: 'docker.io', repository: 'library/192.168.1.1' }],
    ['192.168.1.1:tag', { registry: 'docker.io', repository: 'library/192.168.1.1', tag: 'tag' }],
    ['192.168.1.1:5000', { registry: 'docker.io', repository: 'library/192.168.1.1', tag: '5000' }],
    ['192.168.1.1/repo', { registry: '192.168.1.1', repository: 'repo' }],
    ['192.168.1.1:5000/repo', { registry: '192.168.1.1:5000', repository: 'repo' }],
    ['192.168.1.1:5000/repo:5050', { registry: '192.168.1.1:5000', repository: 'repo', tag: '5050' }],
    ['localhost:5000/x', { registry: 'localhost:5000', repository: 'x' }],
    ['localhost/x', { registry: 'localhost', repository: 'x' }],
    ['localhost', { registry: 'docker.io', repository: 'library/localhost' }],
    ['ubuntu', { registry: 'docker.io', repository: 'library/ubuntu' }],
    ['foo/bar', { registry: 'docker.io', repository: 'foo/bar' }],
    ['index.docker.io/debian', { registry: 'docker.io', repository: 'library/debian' }],
    ['docker.io/debian', { registry: 'docker.io', repository: 'library/debian' }],
    ['docker.io/library/debian:12', { registry: 'docker.io', repository: 'library/debian', tag: '12' }],
    ['index.docker.io/dmcgowan/myapp', { registry: 'docker.io', repository: 'dmcgowan/myapp' }],
    ['LOCALDOMAIN/debian', { registry: 'LOCALDOMAIN', repository: 'debian' }],
    ['Docker.Example/debian', { registry: 'Docker.Example', repository: 'debian' }],
    ['docker---rules/docker', { registry: 'docker.io', repository: 'docker---rules/docker' }],
    ['dock__er/docker', { registry: 'docker.io', repository: 'dock__er/docker' }],
    ['d/docker', { registry: 'docker.io', repository: 'd/docker' }],
    ['jess/t', { registry: 'docker.io', repository: 'jess/t' }],
    ['[2001:db8::1]/repo', { registry: '[2001:db8::1]', repository: 'repo' }],
    [
      '[2001:db8:1:2:3:4:5:6]/repo:tag',
      { registry: '[2001:db8:1:2:3:4:5:6]', repository: 'repo', tag: 'tag' },
    ],
    ['[2001:db8::1]:5000/repo', { registry: '[2001:db8::1]:5000', repository: 'repo' }],
    ['[2001:db8::1]:5000/repo:tag', { registry: '[2001:db8::1]:5000', repository: 'repo', tag: 'tag' }],
    ['[2001:db8::]:5000/repo', { registry: '[2001:db8::]:5000', repository: 'repo' }],
    ['[::1]:5000/repo', { registry: '[::1]:5000', repository: 'repo' }],
    ['a/b/c/d/e/f', { registry: 'docker.io', repository: 'a/b/c/d/e/f' }],
    ['repo:' + 'T'.repeat(128), { registry: 'docker.io', repository: 'library/repo', tag: 'T'.repeat(128) }],
  ];
  for (const [input, expected] of cases) {
    test(input.length > 80 ? `${input.slice(0, 80)}…` : input, () => {
      assert.deepEqual(parseReference(input), expected);
    });
  }

  test('a path of exactly 255 characters is accepted, the domain not counting', () => {
    const path = `${'a'.repeat(127)}/${'b'.repeat(127)}`;
    assert.equal(path.length, 255);
    assert.equal(parseReference(`registry.example:5000/${path}`).repository, path);
  });

  test('an upper-case domain with a lower-case path is kept as the domain', () => {
    assert.equal(parseReference('LOCALDOMAIN/debian').registry, 'LOCALDOMAIN');
  });
});

describe('parseReference: invalid references', () => {
  test('empty string', () => rejects('', /at least one component/));
  test('bare tag', () => rejects(':justtag', /invalid reference format/));
  test('bare digest', () => rejects(`@${SHA256}`, /invalid reference format/));
  test('uppercase repository name', () => rejects('Uppercase:tag', /repository name must be lowercase/));
  test('uppercase path below a domain', () =>
    rejects('test:5000/Uppercase/lowercase:tag', /repository name must be lowercase/));
  test('uppercase path on docker.io', () => rejects('docker.io/docker/Docker', /must be lowercase/));
  test('bad characters', () => rejects('aa/asdf$$^/aa', /invalid reference format/));
  test('bare 64-hex image ID', () => rejects(F64, /cannot specify 64-byte hexadecimal strings/));
  test('path over 255 characters', () =>
    rejects(`example.com/${'a'.repeat(128)}/${'b'.repeat(127)}`, /must not be more than 255 characters/));
  test('one-component name over 255 characters once library/ is added', () =>
    rejects('a'.repeat(250), /must not be more than 255 characters/));
  test('tag over 128 characters', () => rejects(`repo:${'a'.repeat(129)}`, /invalid reference format/));
  test('tag starting with a dot', () => rejects('repo:.tag', /invalid reference format/));
  test('digest too short for the grammar', () =>
    rejects(`repo@sha256:${'f'.repeat(31)}`, /invalid reference format/));
  test('sha256 digest of the wrong length', () => rejects(`repo@sha256:${'f'.repeat(63)}`, /invalid digest/));
  test('uppercase hex in a sha256 digest', () => rejects(`repo@sha256:${'F'.repeat(64)}`, /invalid digest/));
  test('unregistered digest algorithm', () =>
    rejects(`validname@invaliddigest:${F64}`, /not supported/, ErrorCode.UNSUPPORTED_DIGEST));
  test('IPv6 address alone', () => rejects('[2001:db8::1]', /invalid reference format/));
  test('IPv6 address with port alone', () => rejects('[2001:db8::1]:5000', /invalid reference format/));
  test('IPv6 address with a tag alone', () => rejects('[2001:db8::1]:tag', /invalid reference format/));
  test('IPv6 zone', () => rejects('[fe80::1%eth0]:5000/repo', /invalid reference format/));
  test('IPv6 invalid zone', () => rejects('[fe80::1%@invalidzone]:5000/repo', /invalid reference format/));
  test('non-string input', () => assert.throws(() => parseReference(42 as never), OciError));
  test('input far over any valid length', () => rejects(`a/${'b'.repeat(5000)}`, /longer than/));

  const normalizeInvalid = [
    'https://github.com/docker/docker',
    'docker/Docker',
    '-docker',
    '-docker/docker',
    'docker///docker',
    'docker.io/docker/Docker',
    'docker.io/docker///docker',
    '[fc00::1]',
    '[fc00::1]:5000',
    'fc00::1:5000/debian',
    '[fe80::1%eth0]:5000/debian',
    '[2001:db8:3:4::192.0.2.33]:5000/debian',
    '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
    'docker-/docker',
    '____/____',
    '_docker/_docker',
    'dock..er/docker',
    'dock_.er/docker',
    'dock-.er/docker',
    'docker/',
    'docker.io/',
    '/docker',
    'docker:',
    'docker@',
    'a/b:tag:tag',
    'a/b@sha256:abc',
    'repo:tag with space',
    ' repo',
    'repo\n',
  ];
  for (const input of normalizeInvalid) {
    test(`normalize_test invalid: ${JSON.stringify(input)}`, () => {
      assert.throws(
        () => parseReference(input),
        (err: unknown) => err instanceof OciError && err.code === ErrorCode.INVALID_REFERENCE,
      );
    });
  }
});

describe('validators', () => {
  test('validateTag accepts the tag grammar and rejects the rest', () => {
    for (const ok of ['latest', 'v1.2.3', '_x', 'A-b.C_d', 'a'.repeat(128)])
      assert.equal(validateTag(ok), ok);
    for (const bad of ['', '.x', '-x', 'a'.repeat(129), 'a/b', 'a:b', 'a@b', 'é']) {
      assert.throws(
        () => validateTag(bad),
        (e: unknown) => e instanceof OciError && e.code === 'INVALID_REFERENCE',
      );
    }
  });

  test('validateRepository accepts paths and rejects the rest', () => {
    for (const ok of ['a', 'library/ubuntu', 'a-b/c__d/e.f', 'x'.repeat(255)])
      assert.equal(validateRepository(ok), ok);
    assert.throws(() => validateRepository('Library/ubuntu'), /must be lowercase/);
    assert.throws(() => validateRepository('x'.repeat(256)), /not be more than 255/);
    for (const bad of ['', '/a', 'a/', 'a//b', 'a:b', 'a@b', '_a', 'a_', '../etc']) {
      assert.throws(() => validateRepository(bad), OciError, bad);
    }
  });

  test('validateRegistry accepts host[:port] and rejects the rest', () => {
    for (const ok of ['docker.io', 'localhost:5000', '[::1]:5000', '127.0.0.1', 'LOCALDOMAIN']) {
      assert.equal(validateRegistry(ok), ok);
    }
    for (const bad of ['', 'a/b', 'host:port', 'http://x', '-x', 'x-'])
      assert.throws(() => validateRegistry(bad), OciError);
  });
});

describe('normalizeReference', () => {
  test('a string is parsed with Docker normalisation', () => {
    assert.deepEqual(normalizeReference('ubuntu:22.04'), {
      registry: 'docker.io',
      repository: 'library/ubuntu',
      tag: '22.04',
    });
  });

  test('an object gets docker.io and library/ when its registry is empty or legacy', () => {
    assert.deepEqual(normalizeReference({ registry: '', repository: 'redis' }), {
      registry: 'docker.io',
      repository: 'library/redis',
    });
    assert.deepEqual(normalizeReference({ registry: 'index.docker.io', repository: 'a/b', tag: 't' }), {
      registry: 'docker.io',
      repository: 'a/b',
      tag: 't',
    });
    assert.deepEqual(normalizeReference({ registry: 'localhost:5000', repository: 'x' }), {
      registry: 'localhost:5000',
      repository: 'x',
    });
  });

  test('an object with a bad part is rejected', () => {
    assert.throws(() => normalizeReference({ registry: 'r.example', repository: 'UP' }), /lowercase/);
    assert.throws(
      () => normalizeReference({ registry: 'r.example', repository: 'x', tag: '.bad' }),
      /invalid tag/,
    );
    assert.throws(() => normalizeReference({ registry: 'bad/host', repository: 'x' }), /invalid registry/);
    assert.throws(
      () => normalizeReference({ registry: 'r.example', repository: 'x', digest: 'sha256:zz' as never }),
      /invalid digest/,
    );
  });
});
