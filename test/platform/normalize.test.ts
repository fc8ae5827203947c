/** Normalisation table of spec-checklist §7 (containerd/platforms Normalize, plus armvNl). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostPlatform, normalizeArch, normalizeOs, normalizePlatform } from '../../src/platform/index.ts';

test('architecture and variant table', () => {
  const table: Array<[string, string, string, string]> = [
    ['i386', '', '386', ''],
    ['i386', 'v2', '386', ''],
    ['x86_64', '', 'amd64', ''],
    ['x86-64', 'v1', 'amd64', ''],
    ['amd64', 'v1', 'amd64', ''],
    ['amd64', 'v3', 'amd64', 'v3'],
    ['AMD64', 'V2', 'amd64', 'v2'],
    ['aarch64', '', 'arm64', ''],
    ['aarch64', '8', 'arm64', ''],
    ['arm64', 'v8', 'arm64', ''],
    ['arm64', 'v8.0', 'arm64', ''],
    ['arm64', 'v8.2', 'arm64', 'v8.2'],
    ['arm64', '9', 'arm64', 'v9'],
    ['arm64', '9.0', 'arm64', 'v9'],
    ['arm64', 'v9.0', 'arm64', 'v9'],
    ['armhf', '', 'arm', 'v7'],
    ['armhf', 'v6', 'arm', 'v7'],
    ['armel', '', 'arm', 'v6'],
    ['arm', '', 'arm', 'v7'],
    ['arm', '7', 'arm', 'v7'],
    ['arm', '5', 'arm', 'v5'],
    ['arm', '6', 'arm', 'v6'],
    ['arm', '8', 'arm', 'v8'],
    ['arm', 'v6', 'arm', 'v6'],
    ['armv6l', '', 'arm', 'v6'],
    ['armv7l', '', 'arm', 'v7'],
    ['armv5l', '', 'arm', 'v5'],
    ['ppc64le', 'power9', 'ppc64le', 'power9'],
    ['s390x', '', 's390x', ''],
    ['RISCV64', '', 'riscv64', ''],
  ];
  for (const [arch, variant, wantArch, wantVariant] of table) {
    assert.deepEqual(
      normalizeArch(arch, variant),
      { architecture: wantArch, variant: wantVariant },
      `${arch}/${variant}`,
    );
  }
});

test('OS: lowercase, macos is darwin, empty is the host OS', () => {
  assert.equal(normalizeOs('Linux'), 'linux');
  assert.equal(normalizeOs('macos'), 'darwin');
  assert.equal(normalizeOs('MacOS'), 'darwin');
  assert.equal(normalizeOs('WINDOWS'), 'windows');
  assert.equal(normalizeOs(''), hostPlatform().os);
});

test('normalizePlatform sorts and dedups os.features, drops empty variant, keeps os.version', () => {
  assert.deepEqual(
    normalizePlatform({
      os: 'Windows',
      architecture: 'x86_64',
      variant: 'v1',
      'os.version': '10.0.20348.1',
      'os.features': ['win32k', 'b', 'a', 'b'],
    }),
    {
      os: 'windows',
      architecture: 'amd64',
      'os.version': '10.0.20348.1',
      'os.features': ['a', 'b', 'win32k'],
    },
  );
  assert.deepEqual(normalizePlatform({ os: 'linux', architecture: 'arm' }), {
    os: 'linux',
    architecture: 'arm',
    variant: 'v7',
  });
});

test('normalizePlatform does not change its argument', () => {
  const p = { os: 'Linux', architecture: 'aarch64', variant: 'v8', 'os.features': ['b', 'a'] };
  normalizePlatform(p);
  assert.deepEqual(p, { os: 'Linux', architecture: 'aarch64', variant: 'v8', 'os.features': ['b', 'a'] });
});

test('hostPlatform uses Go names for this process', () => {
  const host = hostPlatform();
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
  const os: Record<string, string> = { linux: 'linux', darwin: 'darwin', win32: 'windows' };
  if (process.arch in arch) assert.equal(host.architecture, arch[process.arch]);
  if (process.platform in os) assert.equal(host.os, os[process.platform]);
  assert.equal(host.variant === undefined, host.architecture !== 'arm');
  host.os = 'changed';
  assert.notEqual(hostPlatform().os, 'changed', 'hostPlatform returns a copy');
});
