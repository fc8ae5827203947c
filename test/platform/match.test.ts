/** Matching and preference order (containerd/platforms Match and Only, spec-checklist §7). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatPlatform,
  platformMatches,
  platformPreferences,
  windowsVersionMatches,
} from '../../src/platform/index.ts';
import type { Platform } from '../../src/spec/types.ts';

const linux = (architecture: string, variant?: string): Platform =>
  variant === undefined ? { os: 'linux', architecture } : { os: 'linux', architecture, variant };

test('matching compares normalised os, architecture and variant', () => {
  assert.equal(platformMatches(linux('arm64'), linux('arm64', 'v8')), true);
  assert.equal(platformMatches(linux('aarch64'), linux('arm64')), true);
  assert.equal(platformMatches(linux('arm'), linux('arm', 'v7')), true);
  assert.equal(platformMatches(linux('armhf'), linux('arm', 'v7')), true);
  assert.equal(platformMatches(linux('x86_64'), linux('amd64', 'v1')), true);
  assert.equal(platformMatches({ os: 'Linux', architecture: 'AMD64' }, linux('amd64')), true);
  assert.equal(
    platformMatches(linux('arm', 'v7'), linux('arm', 'v6')),
    false,
    'no fallback in plain matching',
  );
  assert.equal(platformMatches(linux('amd64'), linux('arm64')), false);
  assert.equal(platformMatches(linux('amd64'), { os: 'windows', architecture: 'amd64' }), false);
  assert.equal(platformMatches(linux('amd64'), linux('amd64', 'v2')), false);
});

test('the reserved features field is ignored', () => {
  assert.equal(platformMatches(linux('amd64'), { ...linux('amd64'), features: ['sse4'] }), true);
});

test('os.features of the image must be offered by the wanted platform', () => {
  const want: Platform = { ...linux('amd64'), 'os.features': ['a', 'b'] };
  assert.equal(platformMatches(want, { ...linux('amd64'), 'os.features': ['b'] }), true);
  assert.equal(platformMatches(want, { ...linux('amd64'), 'os.features': ['b', 'a', 'a'] }), true);
  assert.equal(platformMatches(want, { ...linux('amd64'), 'os.features': ['c'] }), false);
  assert.equal(platformMatches(linux('amd64'), { ...linux('amd64'), 'os.features': ['a'] }), false);
});

test('windows ignores win32k when comparing os.features', () => {
  const want: Platform = { os: 'windows', architecture: 'amd64' };
  assert.equal(
    platformMatches(want, { os: 'windows', architecture: 'amd64', 'os.features': ['win32k'] }),
    true,
  );
  assert.equal(
    platformMatches(want, { os: 'windows', architecture: 'amd64', 'os.features': ['other'] }),
    false,
  );
});

test('windows os.version rules', () => {
  assert.equal(windowsVersionMatches('', '10.0.17763.1'), true, 'empty host');
  assert.equal(windowsVersionMatches('10.0.17763', undefined), true, 'empty container');
  assert.equal(windowsVersionMatches('10.0', '10.0.17763'), true, 'unparsable host');
  assert.equal(windowsVersionMatches('10.0.17763.100', '10.0.17763.5'), true, 'same build, other revision');
  assert.equal(windowsVersionMatches('10.0.17763', '10.0.17134'), false, 'older host build must be equal');
  assert.equal(windowsVersionMatches('10.0.17134', '10.0.17763'), false);
  assert.equal(windowsVersionMatches('10.0.20348', '10.0.20348.1'), true);
  assert.equal(windowsVersionMatches('10.0.20348', '10.0.17763'), false, 'below ltsc2022');
  assert.equal(windowsVersionMatches('10.0.22631', '10.0.20348'), true, 'ltsc2022 on a newer host');
  assert.equal(windowsVersionMatches('10.0.22631', '10.0.22631'), true);
  assert.equal(windowsVersionMatches('10.0.22631', '10.0.25000'), false, 'newer than the host');
  assert.equal(windowsVersionMatches('10.0.26100', '10.0.20348'), true);
  assert.equal(windowsVersionMatches('10.0.26200', '10.0.20348'), false, 'below ltsc2025 on a newer host');
  assert.equal(windowsVersionMatches('10.0.26200', '10.0.26100'), true);
  assert.equal(windowsVersionMatches('10.1.20348', '10.0.20348'), false, 'minor differs');
  const want: Platform = { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1' };
  assert.equal(
    platformMatches(want, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.1' }),
    false,
  );
  assert.equal(
    platformMatches(want, { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.9' }),
    true,
  );
  // os.version only matters on windows
  assert.equal(
    platformMatches(
      { ...linux('amd64'), 'os.version': '1.2.3' },
      { ...linux('amd64'), 'os.version': '4.5.6' },
    ),
    true,
  );
});

function order(want: Platform): string[] {
  return platformPreferences(want).map(formatPlatform);
}

test('preference vectors (containerd Only)', () => {
  assert.deepEqual(order(linux('amd64')), ['linux/amd64', 'linux/386']);
  assert.deepEqual(order(linux('amd64', 'v3')), [
    'linux/amd64/v3',
    'linux/amd64/v2',
    'linux/amd64',
    'linux/386',
  ]);
  assert.deepEqual(order(linux('arm')), ['linux/arm/v7', 'linux/arm/v6', 'linux/arm/v5']);
  assert.deepEqual(order(linux('arm', 'v6')), ['linux/arm/v6', 'linux/arm/v5']);
  assert.deepEqual(order(linux('arm', 'v8')), [
    'linux/arm/v8',
    'linux/arm/v7',
    'linux/arm/v6',
    'linux/arm/v5',
  ]);
  assert.deepEqual(order(linux('arm64')), [
    'linux/arm64',
    'linux/arm/v8',
    'linux/arm/v7',
    'linux/arm/v6',
    'linux/arm/v5',
  ]);
  assert.deepEqual(order(linux('arm64', 'v8.2')), [
    'linux/arm64/v8.2',
    'linux/arm64/v8.1',
    'linux/arm64',
    'linux/arm/v8',
    'linux/arm/v7',
    'linux/arm/v6',
    'linux/arm/v5',
  ]);
  assert.deepEqual(order(linux('arm64', 'v9.1')), [
    'linux/arm64/v9.1',
    'linux/arm64/v9',
    'linux/arm64/v8.6',
    'linux/arm64/v8.5',
    'linux/arm64/v8.4',
    'linux/arm64/v8.3',
    'linux/arm64/v8.2',
    'linux/arm64/v8.1',
    'linux/arm64',
    'linux/arm/v8',
    'linux/arm/v7',
    'linux/arm/v6',
    'linux/arm/v5',
  ]);
  assert.deepEqual(order(linux('s390x')), ['linux/s390x']);
});

test('preference entries keep the wanted os.version and os.features', () => {
  const want: Platform = {
    os: 'windows',
    architecture: 'amd64',
    'os.version': '10.0.1.2',
    'os.features': ['x'],
  };
  for (const p of platformPreferences(want)) {
    assert.equal(p['os.version'], '10.0.1.2');
    assert.deepEqual(p['os.features'], ['x']);
  }
});
