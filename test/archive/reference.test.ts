import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatArchiveReference,
  parseArchiveReference,
  parseDockerTaggedName,
} from '../../src/transports/archive/index.ts';

describe('archive references', () => {
  test('oci-archive:FILE and oci-archive:FILE:REF', () => {
    assert.deepEqual(parseArchiveReference('oci-archive:img.tar'), {
      transport: 'oci-archive',
      path: 'img.tar',
    });
    assert.deepEqual(parseArchiveReference('oci-archive:./a/img.tar:v1.0'), {
      transport: 'oci-archive',
      path: './a/img.tar',
      ref: 'v1.0',
    });
    assert.equal(formatArchiveReference(parseArchiveReference('oci-archive:x.tar:1')), 'oci-archive:x.tar:1');
  });

  test('docker-archive:FILE:NAME:TAG normalises the name', () => {
    const ref = parseArchiveReference('docker-archive:save.tar:busybox:1.36');
    assert.equal(ref.transport, 'docker-archive');
    assert.ok(ref.transport === 'docker-archive');
    assert.equal(ref.path, 'save.tar');
    assert.equal(ref.name?.full, 'docker.io/library/busybox:1.36');
    assert.equal(ref.name?.familiar, 'busybox:1.36');
    assert.equal(formatArchiveReference(ref), 'docker-archive:save.tar:busybox:1.36');
  });

  test('Docker names: docker.io/library, registries with ports, default tag latest', () => {
    assert.equal(parseDockerTaggedName('busybox').full, 'docker.io/library/busybox:latest');
    assert.equal(parseDockerTaggedName('docker.io/library/busybox:latest').familiar, 'busybox:latest');
    assert.equal(parseDockerTaggedName('index.docker.io/user/app:1').familiar, 'user/app:1');
    assert.equal(parseDockerTaggedName('localhost:5000/app:2').full, 'localhost:5000/app:2');
    assert.equal(parseDockerTaggedName('localhost:5000/app').tag, 'latest');
    assert.equal(parseDockerTaggedName('example.com/a/b:c').familiarRepository, 'example.com/a/b');
  });

  test('with the transport given, the prefix may be left out (as the transport table passes it)', () => {
    assert.deepEqual(parseArchiveReference('img.tar:v1', 'oci-archive'), {
      transport: 'oci-archive',
      path: 'img.tar',
      ref: 'v1',
    });
    const docker = parseArchiveReference('save.tar:app:2', 'docker-archive');
    assert.ok(docker.transport === 'docker-archive');
    assert.equal(docker.name?.full, 'docker.io/library/app:2');
    assert.equal(parseArchiveReference('docker-archive:x.tar', 'docker-archive').path, 'x.tar');
  });

  test('invalid references are INVALID_REFERENCE', () => {
    for (const bad of [
      'dir:x',
      'oci-archive:',
      'oci-archive:x.tar:bad ref',
      'docker-archive:x.tar:UPPER:tag',
      'docker-archive:x.tar:app@sha256:' + 'a'.repeat(64),
      'docker-archive:x.tar:',
      'docker-archive:x.tar:app:-bad',
    ]) {
      assert.throws(() => parseArchiveReference(bad), { code: 'INVALID_REFERENCE' }, bad);
    }
  });
});
