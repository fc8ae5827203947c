/** API host for Docker Hub and the plain-HTTP default for loopback registries (DESIGN §3). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiHost, isInsecureHost } from '../../src/reference/index.ts';

test('apiHost maps docker.io to its API host and leaves others alone', () => {
  assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
  assert.equal(apiHost('index.docker.io'), 'registry-1.docker.io');
  assert.equal(apiHost('localhost:5000'), 'localhost:5000');
  assert.equal(apiHost('quay.example'), 'quay.example');
});

test('isInsecureHost: localhost, 127.0.0.0/8 and [::1], with or without a port', () => {
  for (const host of [
    'localhost',
    'localhost:5000',
    'LOCALHOST:5000',
    '127.0.0.1',
    '127.0.0.1:5000',
    '127.255.255.254:443',
    '127.1.2.3',
    '[::1]',
    '[::1]:5000',
    '[0:0:0:0:0:0:0:1]:5000',
  ]) {
    assert.equal(isInsecureHost(host), true, host);
  }
});

test('isInsecureHost: every other host needs HTTPS', () => {
  for (const host of [
    'docker.io',
    'example.com:5000',
    'localhost.example.com',
    'mylocalhost',
    '128.0.0.1',
    '10.0.0.1:5000',
    '127.0.0.256',
    '127.0.0',
    '127.0.0.1.example.com',
    '[::2]:5000',
    '[2001:db8::1]',
    '[::]',
    '[1::1]',
    '[fe80::1%lo]',
  ]) {
    assert.equal(isInsecureHost(host), false, host);
  }
});
