/**
 * Access to `ocikit serve`: htpasswd (bcrypt) basic auth with skopeo as the client, anonymous
 * pulls, read-only mode, TLS, and the request log (one entry per request, never a credential),
 * from the library and from `ocikit serve` itself.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RequestLog } from '../../src/serve/index.ts';
import { startOcikit } from '../helpers/cli-child.ts';
import { run } from '../helpers/exec.ts';
import { writeHtpasswd } from '../helpers/htpasswd.ts';
import { freePort } from '../helpers/registry.ts';
import { makeTlsCertificates } from '../helpers/tls-certs.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';
import { makeImages, ok, serve } from './fixture.ts';

const PASSWORD = 'correct horse battery staple';

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe('ocikit serve access control', () => {
  let images = '';
  let htpasswd = '';
  const suiteDir = suiteScratch(after, 'ocikit-serve-auth-');
  before(async () => {
    const dir = await suiteDir();
    images = await makeImages(dir);
    htpasswd = join(dir, 'htpasswd');
    await writeHtpasswd(htpasswd, { alice: PASSWORD });
  });

  test('htpasswd: skopeo pushes and pulls with the right password; none or a wrong one is 401', async (t) => {
    const logs: RequestLog[] = [];
    const server = await serve(t, { htpasswd, log: (entry) => logs.push(entry) });
    const target = `docker://${server.host}/private/app:1`;
    const copy = (creds: string[], src: string, dst: string) =>
      run('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', ...creds, src, dst]);
    await copy(['--dest-creds', `alice:${PASSWORD}`], `oci:${images}:single`, target);
    const out = await scratch(t);
    await copy(['--src-creds', `alice:${PASSWORD}`], target, `oci:${join(out, 'back')}:1`);
    await assert.rejects(copy(['--dest-creds', 'alice:wrong'], `oci:${images}:single`, target));
    await assert.rejects(copy([], target, `oci:${join(out, 'anon')}:1`));
    const anonymous = await fetch(`${server.url}/v2/private/app/manifests/1`);
    assert.equal(anonymous.status, 401);
    assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    assert.deepEqual(
      ((await anonymous.json()) as { errors: { code: string }[] }).errors[0]?.code,
      'UNAUTHORIZED',
    );
    const authed = await fetch(`${server.url}/v2/private/app/tags/list`, {
      headers: { Authorization: basic('alice', PASSWORD) },
    });
    assert.equal(authed.status, 200);
    await authed.arrayBuffer();
    // The log names the user and never holds a credential.
    const text = JSON.stringify(logs);
    assert.ok(logs.some((l) => l.user === 'alice' && l.method === 'PUT' && l.status === 201));
    assert.ok(logs.some((l) => l.status === 401));
    assert.ok(
      !text.includes(PASSWORD) && !text.includes(Buffer.from(`alice:${PASSWORD}`).toString('base64')),
    );
  });

  test('anonymous read: pulls need no credentials, pushes still do', async (t) => {
    const server = await serve(t, { htpasswd, anonymousRead: true });
    await run('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      '--dest-creds',
      `alice:${PASSWORD}`,
      `oci:${images}:single`,
      `docker://${server.host}/open/app:1`,
    ]);
    const out = await scratch(t);
    await run('skopeo', [
      'copy',
      '--src-tls-verify=false',
      `docker://${server.host}/open/app:1`,
      `oci:${join(out, 'pulled')}:1`,
    ]);
    assert.equal(
      await ok(['digest', `oci:${join(out, 'pulled')}:1`]),
      await ok(['digest', `oci:${images}:single`]),
    );
    const push = await fetch(`${server.url}/v2/open/app/blobs/uploads/`, { method: 'POST' });
    assert.equal(push.status, 401);
    await push.arrayBuffer();
  });

  test('read-only: reads are served, every write is 405 UNSUPPORTED', async (t) => {
    const writable = await serve(t);
    await ok(['copy', `oci:${images}:single`, `${writable.host}/ro/app:1`]);
    const server = await serve(t, { root: writable.root, readOnly: true });
    assert.equal(
      await ok(['digest', `${server.host}/ro/app:1`]),
      await ok(['digest', `oci:${images}:single`]),
    );
    for (const [method, path] of [
      ['POST', '/v2/ro/app/blobs/uploads/'],
      ['PUT', '/v2/ro/app/manifests/2'],
      ['DELETE', '/v2/ro/app/manifests/1'],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method, body: method === 'PUT' ? '{}' : undefined });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(((await res.json()) as { errors: { code: string }[] }).errors[0]?.code, 'UNSUPPORTED');
    }
  });

  test('TLS: skopeo pushes and pulls over HTTPS with the CA in its cert dir', async (t) => {
    const dir = await scratch(t);
    const certs = await makeTlsCertificates(dir, 'localhost');
    const server = await serve(t, { tlsCert: certs.serverCert, tlsKey: certs.serverKey });
    assert.match(server.url, /^https:/);
    const certDir = join(dir, 'certs');
    await mkdir(certDir);
    await copyFile(certs.caCert, join(certDir, 'ca.crt'));
    await run('skopeo', [
      'copy',
      '--dest-cert-dir',
      certDir,
      `oci:${images}:single`,
      `docker://${server.host}/tls/app:1`,
    ]);
    const out = await scratch(t);
    await run('skopeo', [
      'copy',
      '--src-cert-dir',
      certDir,
      `docker://${server.host}/tls/app:1`,
      `oci:${join(out, 'back')}:1`,
    ]);
    assert.equal(
      await ok(['digest', `oci:${join(out, 'back')}:1`]),
      await ok(['digest', `oci:${images}:single`]),
    );
    await assert.rejects(
      run('skopeo', ['inspect', '--raw', `docker://${server.host}/tls/app:1`]),
      'an unknown CA is refused',
    );
  });

  test('ocikit serve logs one JSON line per request and stops on SIGTERM', async (t) => {
    const root = join(await scratch(t), 'root');
    const port = await freePort();
    const child = startOcikit(['serve', root, '--listen', `127.0.0.1:${port}`, '--json-logs']);
    t.after(() => child.child.kill('SIGKILL'));
    await child.until('listening', () => child.stderr().includes('listening'));
    await ok(['copy', `oci:${images}:single`, `127.0.0.1:${port}/cli/app:1`]);
    await child.until('logged', () => child.stderr().includes('"PUT","path":"/v2/cli/app/manifests/1"'));
    const lines = child
      .stderr()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const put = lines.find((l) => l.method === 'PUT' && l.path === '/v2/cli/app/manifests/1');
    assert.equal(put?.status, 201);
    assert.equal(typeof put?.ms, 'number');
    assert.equal(typeof put?.bytes, 'number');
    child.child.kill('SIGTERM');
    const end = await child.ended;
    assert.notEqual(end.signal, 'SIGKILL');
    assert.match(await ok(['fsck', join(root, 'cli/app')]), /^ok: /m);
  });
});
