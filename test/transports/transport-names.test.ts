/**
 * Which transport an image name means: a registry name stays a registry name (`ubuntu:22.04`,
 * `localhost:5000/app`), but a transport ocikit does not have (`docker-daemon:`, `ostree:`, a typo
 * such as `ocii:`) is refused with the list of the transports it does have, never looked up on
 * Docker Hub.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { transportOf } from '../../src/transports/index.ts';
import { ocikit } from '../helpers/cli.ts';

const KNOWN = ['oci:', 'oci-archive:', 'docker-archive:', 'dir:', 'docker://', 'scratch'];

describe('transport names', () => {
  test('registry names, with or without host, port, tag and digest, stay registry names', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    for (const name of [
      'ubuntu',
      'ubuntu:22.04',
      'busybox:latest',
      'busybox:1.36.1-musl',
      'node:20',
      'docker:24-dind',
      'nix:2.18',
      'library/redis:7',
      'localhost:5000/app',
      'localhost:5000/app:1',
      'myhost:5000/app',
      'registry.example.com/org/app:v1',
      '127.0.0.1:5000/app',
      `ubuntu:22.04@${digest}`,
      `ubuntu@${digest}`,
    ]) {
      const { label, reference } = transportOf(name);
      assert.equal(label, 'registry', name);
      assert.equal(reference, name);
    }
  });

  test('the prefixes ocikit knows pick their transport', () => {
    assert.equal(transportOf('oci:./dir:tag').label, 'oci');
    assert.equal(transportOf('oci-archive:a.tar').label, 'oci-archive');
    assert.equal(transportOf('docker-archive:a.tar:app:1').label, 'docker-archive');
    assert.equal(transportOf('docker://ubuntu').label, 'docker');
    assert.equal(transportOf('scratch').label, 'scratch');
    // skopeo's folder format is one of ocikit's transports: the whole rest is the folder.
    assert.deepEqual(
      { label: transportOf('dir:./folder:x').label, reference: transportOf('dir:./folder:x').reference },
      { label: 'dir', reference: './folder:x' },
    );
  });

  test("skopeo's other transports are named as not supported, with the ones ocikit knows", () => {
    for (const name of [
      'docker-daemon:x',
      'docker-daemon:busybox:latest',
      'containers-storage:x',
      'containers-storage:[overlay@/var/lib/containers]busybox',
      'ostree:app@/ostree/repo',
      'sif:image.sif',
      'tarball:layer.tar',
    ]) {
      const transport = name.slice(0, name.indexOf(':'));
      assert.throws(
        () => transportOf(name),
        (err) => {
          assert.ok(isOciError(err, 'UNSUPPORTED'), `${name}: ${String(err)}`);
          assert.match(err.message, new RegExp(`${transport}:`));
          assert.match(err.message, /not supported/);
          for (const known of KNOWN) assert.ok(err.message.includes(known), `${name}: lists ${known}`);
          return true;
        },
        name,
      );
    }
  });

  test('an unknown transport (a typo, or a word before a path) lists the transports ocikit knows', () => {
    for (const name of [
      'ocii:x',
      'oci_archive:a.tar',
      'ociarchive:a.tar',
      'docker-archiv:a.tar',
      'dokcer-archive:a.tar',
      'docker:/ubuntu',
      'foo:./folder',
      'layout:/srv/images',
      'scrach:x',
    ]) {
      assert.throws(
        () => transportOf(name),
        (err) => {
          assert.ok(isOciError(err, 'INVALID_REFERENCE'), `${name}: ${String(err)}`);
          assert.match(err.message, /unknown transport/);
          for (const known of KNOWN) assert.ok(err.message.includes(known), `${name}: lists ${known}`);
          return true;
        },
        name,
      );
    }
  });

  test('a near miss says which transport was probably meant', () => {
    assert.throws(
      () => transportOf('ocii:x'),
      (err) => isOciError(err) && /did you mean "oci:"/.test(err.message),
    );
    assert.throws(
      () => transportOf('docker-archiv:a.tar'),
      (err) => isOciError(err) && /did you mean "docker-archive:"/.test(err.message),
    );
  });

  test('a near miss that is also a valid image name says how to mean the image, and that way works', () => {
    // `ocii:x`, `ci:1` and `dockr:1` are valid Docker Hub names too (library/ocii, tag x): the
    // refusal must say how to name that image, and the way it says must be a registry name.
    for (const [name, image] of [
      ['ocii:x', 'docker://ocii:x'],
      ['ci:1', 'docker://ci:1'],
      ['dockr:1.0', 'docker://dockr:1.0'],
      ['scratchy:latest', 'docker://scratchy:latest'],
    ] as const) {
      assert.throws(
        () => transportOf(name),
        (err) => {
          assert.ok(isOciError(err, 'INVALID_REFERENCE'), `${name}: ${String(err)}`);
          assert.ok(err.message.includes(`write ${image}`), `${name}: ${err.message}`);
          return true;
        },
      );
      const { label, reference } = transportOf(image);
      assert.equal(label, 'docker', image);
      assert.equal(reference, name);
    }
    // A name that cannot be an image (a path after the colon) gets no such hint.
    assert.throws(
      () => transportOf('oci_archive:./a.tar'),
      (err) => isOciError(err) && !err.message.includes('docker://oci_archive'),
    );
  });

  test('on the command line: a wrong transport fails with the list, and no registry is asked', async () => {
    for (const name of ['ocii:x', 'docker-daemon:x', 'containers-storage:x']) {
      const result = await ocikit(['inspect', name]);
      assert.equal(result.code, 1, `${name}: ${result.stderr}`);
      assert.match(result.stderr, /^ocikit: (UNSUPPORTED|INVALID_REFERENCE): .*oci-archive:/m, name);
      assert.doesNotMatch(result.stderr, /NETWORK_ERROR|REGISTRY_ERROR|UNAUTHORIZED|https?:\/\//, name);
      assert.equal(result.out, '');
    }
  });
});
