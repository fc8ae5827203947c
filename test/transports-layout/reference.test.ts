/** `oci:` reference parsing: DIR may hold ':' and '@'; a tag is split off the last ':' only when it is one. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { formatLayoutReference, parseLayoutReference } from '../../src/transports/layout/index.ts';

const D = `sha256:${'ab'.repeat(32)}`;

test('parses DIR, DIR:TAG and DIR@DIGEST, with or without the oci: prefix', () => {
  const cases: Array<[string, object]> = [
    ['oci:./layout', { dir: './layout' }],
    ['oci:./layout:app', { dir: './layout', tag: 'app' }],
    ['./layout:v1.0-rc.1', { dir: './layout', tag: 'v1.0-rc.1' }],
    ['oci:/data/a:b:latest', { dir: '/data/a:b', tag: 'latest' }],
    ['oci:/mnt/c:x/layout', { dir: '/mnt/c:x/layout' }],
    ['oci:host:5000/dir', { dir: 'host:5000/dir' }],
    [`oci:/srv/l@${D}`, { dir: '/srv/l', digest: D }],
    [`oci:/srv/a@b:c@${D}`, { dir: '/srv/a@b:c', digest: D }],
    ['oci:/srv/me@home', { dir: '/srv/me@home' }],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseLayoutReference(text), expected, text);
});

test('formats back to the same text', () => {
  for (const text of ['oci:./layout', 'oci:./layout:app', `oci:/srv/l@${D}`]) {
    assert.equal(formatLayoutReference(parseLayoutReference(text)), text);
  }
});

test('refuses an empty dir or tag, and a malformed digest after @', () => {
  for (const text of ['oci:', 'oci::tag', 'oci:dir:', `oci:@${D}`]) {
    assert.throws(
      () => parseLayoutReference(text),
      (e) => isOciError(e, 'INVALID_REFERENCE'),
      text,
    );
  }
  for (const text of [
    'oci:dir@sha256:../../etc/passwd',
    'oci:dir@sha256:abc',
    `oci:dir@sha256:${'A'.repeat(64)}`,
  ]) {
    assert.throws(
      () => parseLayoutReference(text),
      (e) => isOciError(e, 'INVALID_DIGEST'),
      text,
    );
  }
  assert.throws(
    () => parseLayoutReference(`oci:dir@blake3:${'a'.repeat(64)}`),
    (e) => isOciError(e, 'UNSUPPORTED_DIGEST'),
  );
});
