/**
 * The `tls.connect` options a registry's TLS settings make: unverified connections read no CA (so
 * Node never loads its root store for them), verified ones trust Node's CAs plus the extra ones.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ConnectionOptions, getCACertificates } from 'node:tls';
import { type RegistryTls, tlsConnectOptions } from '../../src/transports/registry/tls/index.ts';

const EXTRA = '-----BEGIN CERTIFICATE-----\nextra\n-----END CERTIFICATE-----\n';
const settings = { clientCertificates: [], certDir: undefined, searched: [], explicit: false };

/** The options as `tls.connect` reads them (undici's type also admits IPC options). */
const tlsOptions = (tls: RegistryTls) => tlsConnectOptions(tls) as ConnectionOptions;

test('--tls-verify=false: an empty CA list, extra CAs or not (nothing is verified, no root store is loaded)', () => {
  for (const ca of [[], [EXTRA]]) {
    const options = tlsOptions({ ...settings, verify: false, ca });
    assert.equal(options.rejectUnauthorized, false);
    assert.deepEqual(options.ca, []);
  }
});

test('verified: the default CAs (left to Node) or, with extra CAs, the default ones followed by the extra ones', () => {
  const plain = tlsOptions({ ...settings, verify: true, ca: [] });
  assert.equal(plain.rejectUnauthorized, true);
  assert.equal(plain.ca, undefined);
  const extra = tlsOptions({ ...settings, verify: true, ca: [EXTRA] });
  assert.deepEqual(extra.ca, [...getCACertificates('default'), EXTRA]);
});
