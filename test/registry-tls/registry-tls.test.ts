/**
 * TLS against the real Distribution registry serving HTTPS with a certificate signed by a CA the
 * test makes with `openssl`, reached by a name that is not a loopback name: untrusted by default
 * (a clear error), trusted through `--cert-dir` or a certs.d folder, `--tls-verify=false` for
 * both TLS and plain-HTTP registries, per-side copy flags, and skopeo reading what ocikit pushed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { openSource } from '../../src/transports/index.ts';
import { openRegistryClient } from '../../src/transports/registry/open.ts';
import { ocikit } from '../helpers/cli.ts';
import { runBuffer } from '../helpers/exec.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import type { TlsCertificates } from '../helpers/tls-certs.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';
import { isolatedHome } from '../registry-auth/cli-env.ts';
import {
  countSecureContexts,
  readManifestFourTimes,
  startTlsRegistries,
  type TlsRegistries,
} from './tls-registries.ts';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('a registry serving TLS with its own CA', () => {
  const makeDir = suiteScratch(after, 'ocikit-tls-');
  let certs: TlsCertificates;
  let secure: RunningRegistry;
  let plain: RunningRegistry;
  /** A folder with the registry's CA as `ca.crt`. */
  let certDir: string;
  let image: string;
  let local: string;
  let registries: TlsRegistries | undefined;

  before(async () => {
    registries = await startTlsRegistries(await makeDir());
    ({ certs, secure, plain, certDir, image, local } = registries);
  });
  after(() => registries?.stop());

  test('an untrusted certificate: unknown authority, and where to put the CA or how to skip the check', async (t) => {
    const h = await isolatedHome(t);
    const result = await ocikit(['digest', `${secure.host}/app:1`], { env: h.env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /NETWORK_ERROR: .*unknown authority/);
    for (const hint of ['--cert-dir', `certs.d/${secure.host}`, '--tls-verify=false']) {
      assert.ok(result.stderr.includes(hint), `${hint} in ${result.stderr}`);
    }
    assert.doesNotMatch(result.stderr, /use-system-ca/);
  });

  test('--cert-dir trusts its CA: ocikit pushes, and skopeo with the same folder reads the same digest', async (t) => {
    const h = await isolatedHome(t);
    const pushed = await ocikit(['copy', '-q', '--cert-dir', certDir, image, `${secure.host}/pushed:1`], {
      env: h.env,
    });
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pushed.out, `${secure.host}/pushed@${local}`);
    const raw = await runBuffer('skopeo', [
      'inspect',
      '--raw',
      '--cert-dir',
      certDir,
      `docker://${secure.host}/pushed:1`,
    ]);
    assert.equal(sha256(raw), local);
  });

  test('~/.config/containers/certs.d/HOST:PORT/ca.crt is found with no flag', async (t) => {
    const h = await isolatedHome(t);
    const folder = join(h.home, '.config', 'containers', 'certs.d', secure.host);
    await mkdir(folder, { recursive: true });
    await copyFile(certs.caCert, join(folder, 'ca.crt'));
    const result = await ocikit(['digest', `${secure.host}/app:1`], { env: h.env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.out, local);
  });

  test('the library takes the certs.d roots: the first root with a folder for the host is the only one read', async (t) => {
    const base = await scratch(t);
    const [first, second] = [join(base, 'containers'), join(base, 'docker')];
    await mkdir(join(second, secure.host), { recursive: true });
    await copyFile(certs.caCert, join(second, secure.host, 'ca.crt'));
    const resolveWith = async (options: Parameters<typeof openSource>[1]) => {
      const source = await openSource(`${secure.host}/app:1`, options);
      try {
        return (await source.resolve()).digest;
      } finally {
        await source.close();
      }
    };
    assert.equal(await resolveWith({ certsDirectories: [first, second] }), local);
    await mkdir(join(first, secure.host), { recursive: true });
    await copyFile(certs.otherCaCert, join(first, secure.host, 'other.crt'));
    await assert.rejects(resolveWith({ certsDirectories: [first, second] }), (err: unknown) => {
      assert.ok(isOciError(err, 'NETWORK_ERROR'));
      assert.match(err.message, /unknown authority/);
      assert.ok(err.message.includes(join(first, secure.host)), err.message);
      return true;
    });
    assert.equal(await resolveWith({ certDir }), local);
  });

  test('HTTPS connections with the same CA folder share one secure context (Node parses its root store once)', async () => {
    // A context made from a `ca` list parses every root again (12-20 ms here), once per
    // connection when the list went to tls.connect: counted where Node makes contexts.
    const contexts = await countSecureContexts(async () => {
      // Four requests at once: four connections.
      const digests = await readManifestFourTimes(secure.host, { certDir });
      assert.deepEqual(digests, [local, local, local, local]);
    });
    assert.ok(contexts <= 1, `${contexts} secure contexts for four connections`);
  });

  test("a registry's extra CA stays with its settings: the same host without it is still refused", async (t) => {
    const trusting = await openRegistryClient(secure.host, { certDir });
    try {
      assert.equal((await trusting.getManifest('app', '1')).digest, local);
    } finally {
      await trusting.close();
    }
    // No CA folder this time (an empty certs.d root): Node's roots alone, which lack the test CA.
    const bare = await openRegistryClient(secure.host, { certsDirectories: [await scratch(t)] });
    try {
      await assert.rejects(bare.getManifest('app', '1'), /unknown authority/);
    } finally {
      await bare.close();
    }
  });

  test('NODE_EXTRA_CA_CERTS still counts beside a CA folder that does not sign the registry', async (t) => {
    const h = await isolatedHome(t);
    const other = join(await scratch(t), 'other-ca');
    await mkdir(other);
    await copyFile(certs.otherCaCert, join(other, 'ca.crt'));
    const result = await ocikit(['digest', '--cert-dir', other, `${secure.host}/app:1`], {
      env: { ...h.env, NODE_EXTRA_CA_CERTS: certs.caCert },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.out, local);
  });

  test('--tls-verify=false (or --insecure) reaches the TLS registry unverified, and a plain-HTTP one by falling back', async (t) => {
    const h = await isolatedHome(t);
    for (const flag of ['--tls-verify=false', '--insecure']) {
      for (const registry of [secure, plain]) {
        const result = await ocikit(['digest', flag, `${registry.host}/app:1`], { env: h.env });
        assert.equal(result.code, 0, `${flag} ${registry.url}: ${result.stderr}`);
        assert.equal(result.out, local);
      }
    }
  });

  test('HTTPS to a registry that speaks plain HTTP says so and names --tls-verify=false, without OpenSSL text', async (t) => {
    const h = await isolatedHome(t);
    const result = await ocikit(['digest', `${plain.host}/app:1`], { env: h.env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /plain HTTP/);
    assert.ok(result.stderr.includes('--tls-verify=false'), result.stderr);
    assert.doesNotMatch(result.stderr, /SSL routines|wrong version number|openssl/i);
  });

  test('by a loopback address plain HTTP is the default: the error names --tls-verify=true, which works with the CA', async (t) => {
    const h = await isolatedHome(t);
    const loopback = `127.0.0.1:${secure.host.split(':')[1]}/app:1`;
    const refused = await ocikit(['digest', loopback], { env: h.env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /serves HTTPS/);
    assert.ok(refused.stderr.includes('--tls-verify=true'), refused.stderr);
    const result = await ocikit(['digest', '--tls-verify=true', '--cert-dir', certDir, loopback], {
      env: h.env,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.out, local);
  });

  test('copy applies --src-* and --dest-* flags to their own side only', async (t) => {
    const h = await isolatedHome(t);
    const copied = await ocikit(
      [
        'copy',
        '-q',
        '--src-tls-verify=false',
        '--dest-cert-dir',
        certDir,
        `${secure.host}/app:1`,
        `${secure.host}/copied:1`,
      ],
      { env: h.env },
    );
    assert.equal(copied.code, 0, copied.stderr);
    assert.equal(copied.out, `${secure.host}/copied@${local}`);
    const sourceUnverified = await ocikit(
      ['copy', '-q', '--dest-tls-verify=false', `${secure.host}/app:1`, `oci:${join(h.home, 'out')}:x`],
      { env: h.env },
    );
    assert.equal(sourceUnverified.code, 1);
    assert.match(sourceUnverified.stderr, /unknown authority/);
  });
});
