/**
 * Registries reached through a forward proxy, as in a corporate network or a locked-down CI:
 * `HTTPS_PROXY` / `HTTP_PROXY` honoured with a real proxy (tinyproxy) between ocikit and the
 * Distribution registry. Through the proxy's CONNECT tunnel an HTTPS registry with its own CA is
 * verified exactly as directly (trusted with its CA folder, refused without), with one secure
 * context for all its connections; a plain-HTTP registry is reached by the fallback to HTTP, sent
 * to the proxy as absolute-URI requests (no tunnel), as skopeo and curl do.
 * Before, the bundled-by-file undici lacked the `connect` method its proxy agent tunnels with, and
 * every request through a proxy failed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openRegistryClient } from '../../src/transports/registry/open.ts';
import { readLookaside } from '../../src/trust/index.ts';
import { ocikit } from '../helpers/cli.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { type RunningProxy, startTinyproxy } from '../helpers/tinyproxy.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';
import { isolatedHome } from '../registry-auth/cli-env.ts';
import {
  countSecureContexts,
  readManifestFourTimes,
  startTlsRegistries,
  type TlsRegistries,
} from './tls-registries.ts';

const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

/** Runs `fn` with this process's proxy variables set to `values` (the others cleared), then restores them. */
async function withProxyEnv<T>(values: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = PROXY_VARIABLES.map((name) => [name, process.env[name]] as const);
  for (const name of PROXY_VARIABLES) delete process.env[name];
  Object.assign(process.env, values);
  try {
    return await fn();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** A child's proxy variables: every spelling set, so none from the machine's environment is used. */
function proxyEnv(url: string, noProxy = ''): Record<string, string> {
  return {
    HTTP_PROXY: url,
    HTTPS_PROXY: url,
    http_proxy: url,
    https_proxy: url,
    NO_PROXY: noProxy,
    no_proxy: noProxy,
  };
}

describe('registries behind a forward proxy (tinyproxy)', () => {
  const makeDir = suiteScratch(after, 'ocikit-proxy-');
  let secure: RunningRegistry;
  let plain: RunningRegistry;
  let proxy: RunningProxy;
  /** A folder with the registry's CA as `ca.crt`. */
  let certDir: string;
  let local: string;
  let registries: TlsRegistries | undefined;

  before(async () => {
    const dir = await makeDir();
    registries = await startTlsRegistries(dir);
    ({ secure, plain, certDir, local } = registries);
    proxy = await startTinyproxy(dir);
  });
  after(async () => {
    await proxy?.stop();
    await registries?.stop();
  });

  test('an HTTPS registry with its own CA through the CONNECT tunnel: verified with its CA folder, one secure context for four connections', async () => {
    const contexts = await countSecureContexts(() =>
      withProxyEnv(proxyEnv(proxy.url), async () => {
        // Four requests at once: four tunnels.
        const digests = await readManifestFourTimes(secure.host, { certDir });
        assert.deepEqual(digests, [local, local, local, local]);
      }),
    );
    assert.ok(contexts <= 1, `${contexts} secure contexts for four connections`);
    const tunnels = (await proxy.requests()).filter((line) => line.includes(`CONNECT ${secure.host} `));
    assert.ok(tunnels.length >= 2, `${tunnels.length} tunnels through the proxy, not several`);
  });

  test('through the tunnel the same registry without its CA is refused, as directly', async (t) => {
    await withProxyEnv(proxyEnv(proxy.url), async () => {
      const bare = await openRegistryClient(secure.host, { certsDirectories: [await scratch(t)] });
      try {
        await assert.rejects(bare.getManifest('app', '1'), /unknown authority/);
      } finally {
        await bare.close();
      }
    });
  });

  test('the command copies through the proxy: HTTPS with --cert-dir, and plain HTTP with --tls-verify=false', async (t) => {
    const before = (await proxy.requests()).length;
    const h = await isolatedHome(t);
    const env = { ...h.env, ...proxyEnv(proxy.url) };
    const out = await scratch(t);
    const fromSecure = await ocikit(
      ['copy', '-q', '--cert-dir', certDir, `${secure.host}/app:1`, `oci:${join(out, 'secure')}:img`],
      { env },
    );
    assert.equal(fromSecure.code, 0, fromSecure.stderr);
    assert.equal(fromSecure.out, `oci:${join(out, 'secure')}@${local}`);
    const fromPlain = await ocikit(
      ['copy', '-q', '--tls-verify=false', `${plain.host}/app:1`, `oci:${join(out, 'plain')}:img`],
      { env },
    );
    assert.equal(fromPlain.code, 0, fromPlain.stderr);
    assert.equal(fromPlain.out, `oci:${join(out, 'plain')}@${local}`);
    // HTTPS through a CONNECT tunnel; plain HTTP (after the HTTPS attempt --tls-verify=false
    // makes first) as absolute-URI requests, as skopeo and curl send it: proxies refuse CONNECT
    // to a registry's port by default.
    const requests = (await proxy.requests()).slice(before).join('\n');
    assert.ok(requests.includes(`CONNECT ${secure.host} `), requests);
    assert.ok(requests.includes(`HEAD http://${plain.host}/v2/app/manifests/1 `), requests);
    assert.ok(requests.includes(`GET http://${plain.host}/v2/app/blobs/sha256:`), requests);
  });

  test('NO_PROXY exempts a registry: it is reached directly, with its CA, and the proxy sees none of it', async (t) => {
    const before = (await proxy.requests()).length;
    const h = await isolatedHome(t);
    const [name] = secure.host.split(':') as [string];
    const result = await ocikit(['digest', '--cert-dir', certDir, `${secure.host}/app:1`], {
      env: { ...h.env, ...proxyEnv(proxy.url, name) },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.out, local);
    assert.deepEqual(
      (await proxy.requests()).slice(before),
      [],
      `nothing went through the proxy (secure ${secure.host}, plain ${plain.host})`,
    );
  });
  test('signatures from an http lookaside (registries.d) are read through the proxy too', async () => {
    const signature = Buffer.from('a signature');
    const sigstore = createServer((req, res) => {
      if (req.url?.endsWith('/signature-1')) res.end(signature);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => sigstore.listen(0, '127.0.0.1', resolve));
    const origin = `127.0.0.1:${(sigstore.address() as AddressInfo).port}`;
    try {
      const before = (await proxy.requests()).length;
      const read = await withProxyEnv(proxyEnv(proxy.url), () =>
        readLookaside(new URL(`http://${origin}/sigs/app`), local),
      );
      assert.deepEqual(read, [signature]);
      const requests = (await proxy.requests()).slice(before).join('\n');
      assert.ok(requests.includes(`GET http://${origin}/sigs/app@sha256=`), requests);
    } finally {
      await new Promise<void>((resolve) => sigstore.close(() => resolve()));
    }
  });
  test('a proxy that asks for credentials: user:password in the proxy URL are sent; without them a clear 407 error, and the password is never printed', async (t) => {
    const password = randomBytes(9).toString('hex');
    const guarded = await startTinyproxy(await scratch(t), { basicAuth: { user: 'builder', password } });
    t.after(() => guarded.stop());
    const h = await isolatedHome(t);
    const withCredentials = guarded.url.replace('http://', `http://builder:${password}@`);
    const args = ['digest', '--cert-dir', certDir, `${secure.host}/app:1`];
    const allowed = await ocikit(args, { env: { ...h.env, ...proxyEnv(withCredentials) } });
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal(allowed.out, local);
    const refused = await ocikit(args, { env: { ...h.env, ...proxyEnv(guarded.url) } });
    assert.equal(refused.code, 1);
    // Not "ABORTED: operation aborted", which is what undici's refusal of the tunnel read as.
    assert.match(
      refused.stderr,
      /NETWORK_ERROR: .*the proxy refused to open a tunnel with HTTP 407 \(Proxy Authentication Required/,
    );
    const wrong = await ocikit(args, {
      env: { ...h.env, ...proxyEnv(guarded.url.replace('http://', `http://builder:x${password}@`)) },
    });
    assert.equal(wrong.code, 1);
    assert.ok(!`${wrong.stderr}${wrong.out}`.includes(password), wrong.stderr);
  });
});
