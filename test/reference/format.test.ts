/** Writing references: full form, familiar form, default tag, pull form (spec-checklist §6.3–6.4). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  familiarName,
  familiarString,
  formatName,
  formatReference,
  parseReference,
  resolvableReference,
  withDefaultTag,
} from '../../src/reference/index.ts';

const SHA256 = `sha256:${'a'.repeat(64)}`;

test('formatReference writes host/repo:tag@digest', () => {
  assert.equal(
    formatReference(parseReference(`ubuntu:22.04@${SHA256}`)),
    `docker.io/library/ubuntu:22.04@${SHA256}`,
  );
  assert.equal(formatReference(parseReference('localhost:5000/x')), 'localhost:5000/x');
  assert.equal(formatReference(parseReference(`[::1]:5000/a/b@${SHA256}`)), `[::1]:5000/a/b@${SHA256}`);
  assert.equal(formatName(parseReference('foo/bar:1')), 'docker.io/foo/bar');
});

test('familiarName strips docker.io/ and library/ only for one-component names', () => {
  const cases: Array<[string, string]> = [
    ['docker.io/library/redis', 'redis'],
    ['redis', 'redis'],
    ['docker.io/dmcgowan/myapp', 'dmcgowan/myapp'],
    ['docker.io/library/a/b', 'library/a/b'],
    ['index.docker.io/library/redis:7', 'redis'],
    ['localhost:5000/library/redis', 'localhost:5000/library/redis'],
    ['example.com/redis', 'example.com/redis'],
  ];
  for (const [input, familiar] of cases) assert.equal(familiarName(parseReference(input)), familiar, input);
});

test('familiarString keeps the tag and digest', () => {
  assert.equal(familiarString(parseReference('docker.io/library/redis:7')), 'redis:7');
  assert.equal(familiarString(parseReference(`redis:7@${SHA256}`)), `redis:7@${SHA256}`);
});

test('withDefaultTag adds latest only when there is neither tag nor digest', () => {
  assert.equal(withDefaultTag(parseReference('ubuntu')).tag, 'latest');
  assert.equal(withDefaultTag(parseReference('ubuntu:20.04')).tag, '20.04');
  const pinned = withDefaultTag(parseReference(`ubuntu@${SHA256}`));
  assert.equal(pinned.tag, undefined);
  assert.equal(pinned.digest, SHA256);
});

test('resolvableReference keeps the digest alone when both are present', () => {
  assert.deepEqual(resolvableReference(parseReference(`ubuntu:22.04@${SHA256}`)), {
    registry: 'docker.io',
    repository: 'library/ubuntu',
    digest: SHA256,
  });
  assert.equal(resolvableReference(parseReference('ubuntu')).tag, 'latest');
});

test('familiarName keeps docker.io/ when the first component would read as a domain', () => {
  assert.equal(familiarName(parseReference('docker.io/a.b/c')), 'docker.io/a.b/c');
  assert.equal(familiarName(parseReference('docker.io/localhost/c')), 'docker.io/localhost/c');
  assert.deepEqual(
    parseReference(familiarName(parseReference('docker.io/a.b/c'))),
    parseReference('docker.io/a.b/c'),
  );
});
