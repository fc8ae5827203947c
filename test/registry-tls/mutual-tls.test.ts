/**
 * Mutual TLS against the real Distribution registry requiring client certificates (`clientcas`):
 * without one the error says a client certificate is required and where it goes; `NAME.cert` +
 * `NAME.key` in the cert folder make pushes and pulls work (skopeo reads the same folder); a
 * certificate from a CA the registry does not accept is refused, naming the file.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { runBuffer } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { ensureTestHostname } from '../helpers/test-host.ts';
import { makeTlsCertificates, type TlsCertificates } from '../helpers/tls-certs.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { buildImage, isolatedHome } from '../registry-auth/cli-env.ts';

describe('a registry requiring TLS client certificates', () => {
  const makeDir = suiteScratch(after, 'ocikit-mtls-');
  let dir: string;
  let certs: TlsCertificates;
  let registry: RunningRegistry;
  let image: string;
  /** A folder with the CA only, one with the CA and a client pair, one with a pair the registry does not accept. */
  let caOnly: string;
  let withClient: string;
  let foreignClient: string;

  before(async () => {
    dir = await makeDir();
    const hostname = await ensureTestHostname();
    certs = await makeTlsCertificates(dir, hostname);
    registry = await startRegistry({
      hostname,
      tls: { certificate: certs.serverCert, key: certs.serverKey, clientCas: [certs.clientCaCert] },
    });
    image = await buildImage(dir);
    caOnly = join(dir, 'ca-only');
    withClient = join(dir, 'with-client');
    foreignClient = join(dir, 'foreign-client');
    for (const folder of [caOnly, withClient, foreignClient]) {
      await mkdir(folder);
      await copyFile(certs.caCert, join(folder, 'ca.crt'));
    }
    await copyFile(certs.clientCert, join(withClient, 'client.cert'));
    await copyFile(certs.clientKey, join(withClient, 'client.key'));
    // The server's own pair: a valid certificate, but not from a CA in `clientcas`.
    await copyFile(certs.serverCert, join(foreignClient, 'me.cert'));
    await copyFile(certs.serverKey, join(foreignClient, 'me.key'));
  });
  after(() => registry?.stop());

  test('no client certificate: the error says one is required and where NAME.cert and NAME.key go', async (t) => {
    const h = await isolatedHome(t);
    const result = await ocikit(['copy', '-q', '--cert-dir', caOnly, image, `${registry.host}/app:1`], {
      env: h.env,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /NETWORK_ERROR: .*requires a TLS client certificate/);
    assert.ok(result.stderr.includes(caOnly), result.stderr);
    assert.match(result.stderr, /\.cert.*\.key/);
    assert.doesNotMatch(result.stderr, /other side closed|SSL routines/);
  });

  test('with a client pair in --cert-dir: ocikit pushes and pulls, and skopeo reads the same digest', async (t) => {
    const h = await isolatedHome(t);
    const pushed = await ocikit(['copy', '-q', '--cert-dir', withClient, image, `${registry.host}/app:1`], {
      env: h.env,
    });
    assert.equal(pushed.code, 0, pushed.stderr);
    const local = (await ocikit(['digest', image])).out;
    assert.equal(pushed.out, `${registry.host}/app@${local}`);
    const pulled = await ocikit(
      ['copy', '-q', '--cert-dir', withClient, `${registry.host}/app:1`, `oci:${join(h.home, 'pulled')}:x`],
      { env: h.env },
    );
    assert.equal(pulled.code, 0, pulled.stderr);
    const raw = await runBuffer('skopeo', [
      'inspect',
      '--raw',
      '--cert-dir',
      withClient,
      `docker://${registry.host}/app:1`,
    ]);
    assert.equal(`sha256:${createHash('sha256').update(raw).digest('hex')}`, local);
  });

  test('the per-host certs.d folder supplies the client pair too', async (t) => {
    const h = await isolatedHome(t);
    const folder = join(h.home, '.config', 'containers', 'certs.d', registry.host);
    await mkdir(folder, { recursive: true });
    for (const name of ['ca.crt', 'client.cert', 'client.key'])
      await copyFile(join(withClient, name), join(folder, name));
    const result = await ocikit(['ls', `${registry.host}/app`], { env: h.env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.out, '1');
  });

  test('a client certificate from a CA the registry does not accept is refused, naming the file', async (t) => {
    const h = await isolatedHome(t);
    const result = await ocikit(['digest', '--cert-dir', foreignClient, `${registry.host}/app:1`], {
      env: h.env,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /refused the TLS client certificate/);
    assert.ok(result.stderr.includes(join(foreignClient, 'me.cert')), result.stderr);
  });
});
