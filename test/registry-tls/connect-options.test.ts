/**
 * The `tls.connect` options a registry's TLS settings make: unverified connections read no CA (so
 * Node never loads its root store for them), verified ones trust Node's CAs plus the extra ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getCACertificates } from 'node:tls';
import { tlsConnectOptions } from '../../src/transports/registry/tls/index.ts';

const EXTRA = '-----BEGIN CERTIFICATE-----\nextra\n-----END CERTIFICATE-----\n';
const settings = { clientCertificates: [], certDir: undefined, searched: [], explicit: false };

test('--tls-verify=false: an empty CA list, extra CAs or not (nothing is verified, no root store is loaded)', () => {
  for (const ca of [[], [EXTRA]]) {
    const options = tlsConnectOptions({ ...settings, verify: false, ca });
    assert.equal(options.rejectUnauthorized, false);
    assert.deepEqual(options.ca, []);
  }
});

test('verified: the default CAs (left to Node) or, with extra CAs, the default ones followed by the extra ones', () => {
  const plain = tlsConnectOptions({ ...settings, verify: true, ca: [] });
  assert.equal(plain.rejectUnauthorized, true);
  assert.equal(plain.ca, undefined);
  const extra = tlsConnectOptions({ ...settings, verify: true, ca: [EXTRA] });
  assert.deepEqual(extra.ca, [...getCACertificates('default'), EXTRA]);
});
