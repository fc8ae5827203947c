/** Platform specifiers: parse and format (containerd/platforms Parse/Format, spec-checklist §7). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, OciError } from '../../src/errors/index.ts';
import { formatPlatform, formatPlatformAll, hostPlatform, parsePlatform } from '../../src/platform/index.ts';

test('os/arch[/variant] specifiers', () => {
  const cases: Array<[string, object]> = [
    ['linux/amd64', { os: 'linux', architecture: 'amd64' }],
    ['linux/x86_64', { os: 'linux', architecture: 'amd64' }],
    ['Linux/AMD64', { os: 'linux', architecture: 'amd64' }],
    ['linux/aarch64', { os: 'linux', architecture: 'arm64' }],
    ['linux/arm', { os: 'linux', architecture: 'arm' }],
    ['linux/arm/v7', { os: 'linux', architecture: 'arm', variant: 'v7' }],
    ['linux/arm/6', { os: 'linux', architecture: 'arm', variant: 'v6' }],
    ['linux/armhf', { os: 'linux', architecture: 'arm' }],
    ['linux/armel', { os: 'linux', architecture: 'arm', variant: 'v6' }],
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['linux/arm64', { os: 'linux', architecture: 'arm64' }],
    ['linux/arm64/v9.0', { os: 'linux', architecture: 'arm64', variant: 'v9' }],
    ['linux/amd64/v3', { os: 'linux', architecture: 'amd64', variant: 'v3' }],
    ['linux/amd64/v1', { os: 'linux', architecture: 'amd64' }],
    ['macos/arm64', { os: 'darwin', architecture: 'arm64' }],
    ['linux/i386', { os: 'linux', architecture: '386' }],
    ['linux/ppc64le', { os: 'linux', architecture: 'ppc64le' }],
    ['plan9/sparc64', { os: 'plan9', architecture: 'sparc64' }],
    ['myos/myarch', { os: 'myos', architecture: 'myarch' }],
    ['windows(10.0.17763)/amd64', { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763' }],
    [
      'windows(10.0.17763+win32k+a%2Bb)/amd64',
      { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763', 'os.features': ['win32k', 'a+b'] },
    ],
  ];
  for (const [spec, expected] of cases) assert.deepEqual(parsePlatform(spec), expected, spec);
});

test('a single known OS takes the host architecture', () => {
  const host = hostPlatform();
  const p = parsePlatform('linux');
  assert.equal(p.os, 'linux');
  assert.equal(p.architecture, host.architecture);
  assert.equal(parsePlatform('windows(10.0.20348)')['os.version'], '10.0.20348');
});

test('a single known architecture takes the host OS', () => {
  const os = hostPlatform().os;
  assert.deepEqual(parsePlatform('arm64'), { os, architecture: 'arm64' });
  assert.deepEqual(parsePlatform('aarch64'), { os, architecture: 'arm64' });
  assert.deepEqual(parsePlatform('x86_64'), { os, architecture: 'amd64' });
  assert.deepEqual(parsePlatform('armel'), { os, architecture: 'arm', variant: 'v6' });
  assert.deepEqual(parsePlatform('arm'), { os, architecture: 'arm' });
});

test('invalid specifiers are INVALID_PLATFORM', () => {
  for (const spec of [
    '',
    '*',
    'linux/*',
    '*/amd64',
    'unknownthing',
    'linux/amd64/v8/extra',
    'linux//amd64',
    'linux/',
    '/amd64',
    'linux/amd 64',
    'linux/amd64/v1!',
    'li nux/amd64',
    'windows(10.0%zz)/amd64',
    'windows(10.0/amd64',
    'amd64(10.0)',
    'x'.repeat(2000),
  ]) {
    assert.throws(
      () => parsePlatform(spec),
      (err: unknown) => err instanceof OciError && err.code === ErrorCode.INVALID_PLATFORM,
      JSON.stringify(spec),
    );
  }
  assert.throws(() => parsePlatform('linux/*'), /wildcards are not supported/);
  assert.throws(() => parsePlatform('frobnicate'), /unknown operating system or architecture/);
});

test('formatPlatform writes os/arch[/variant]', () => {
  assert.equal(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
  assert.equal(formatPlatform({ os: 'linux', architecture: 'amd64' }), 'linux/amd64');
  assert.equal(formatPlatform({ os: 'linux', architecture: 'amd64', variant: '' }), 'linux/amd64');
  assert.equal(formatPlatform({ os: '', architecture: 'amd64' }), 'unknown');
  assert.equal(
    formatPlatform({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.1' } as never),
    'windows/amd64',
  );
});

test('formatPlatformAll adds percent-encoded OS options and parses back', () => {
  const p = {
    os: 'windows',
    architecture: 'amd64',
    'os.version': '10.0(1)',
    'os.features': ['win32k', 'a+b/c%'],
  };
  const text = formatPlatformAll(p);
  assert.equal(text, 'windows(10.0%281%29+win32k+a%2Bb%2Fc%25)/amd64');
  assert.deepEqual(parsePlatform(text), p);
  assert.equal(formatPlatformAll({ os: 'linux', architecture: 'arm64' }), 'linux/arm64');
  assert.equal(
    formatPlatformAll({ os: 'linux', architecture: 'arm', variant: 'v6', 'os.version': '1' }),
    'linux(1)/arm/v6',
  );
});
