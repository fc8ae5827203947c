/**
 * Auth files from containers/image's own test data (Debian's golang-github-containers-image-dev,
 * installed by scripts/install-peers.sh): Docker Hub under its several spellings, keys with a
 * scheme or a path, IP addresses and ports, identity tokens, an empty file. Each host gets the
 * credential skopeo and podman read from the same file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAuthFileStore } from '../../src/transports/registry/auth/auth-files.ts';

const TESTDATA = '/usr/share/gocode/src/github.com/containers/image/pkg/docker/config/testdata';

/** [file, host, what is read: `user:password`, `token:IDENTITY`, or '' for nothing]. */
const CASES: Array<[string, string, string]> = [
  ['example.json', 'example.org', 'example:org'],
  ['example.json', 'registry.example.org', ''],
  // Both `docker.io` (as podman writes it) and `index.docker.io`: the exact key wins.
  ['full.json', 'docker.io', 'docker:io'],
  // Only Docker's `https://index.docker.io/v1` spelling.
  ['abnormal.json', 'docker.io', 'index:docker.io'],
  ['full.json', 'normalize.example.org', 'normalize:example'],
  ['full.json', 'localhost', 'local:host'],
  ['full.json', 'localhost:5000', 'local:host-5000'],
  ['full.json', '10.10.30.45', '10.10:30.45'],
  ['full.json', '10.10.30.45:5000', '10.10:30.45-5000'],
  ['abnormal.json', 'localhost:5000', 'local:host-5000'],
  ['abnormal.json', 'localhost:5001', 'local:host-5001'],
  ['abnormal.json', '127.0.0.1:5000', '127.0:0.1-5000'],
  ['abnormal.json', 'localhost', 'local:host'],
  ['example_identitytoken.json', 'example.org', 'token:some very long identity token'],
  ['empty.json', 'localhost:5000', ''],
];

for (const [file, host, expected] of CASES) {
  test(`containers/image's ${file}: ${host} reads ${expected === '' ? 'nothing' : expected}`, async () => {
    const found = await createAuthFileStore({ authFile: `${TESTDATA}/${file}`, env: {} }).get(host);
    const read =
      found === undefined
        ? ''
        : found.identityToken !== undefined
          ? `token:${found.identityToken}`
          : `${found.username}:${found.password}`;
    assert.equal(read, expected);
  });
}
