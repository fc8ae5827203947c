/** `ocikit/serve` as a library: a registry in-process on an ephemeral port, or mounted in one's own server. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { createHandler, parseListen, startServer } from '../../src/serve/index.ts';
import { scratch } from '../helpers/tmp.ts';

test('startServer listens on an ephemeral loopback port and close() stops it', async (t) => {
  const root = join(await scratch(t), 'root');
  const server = await startServer({ root });
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
  const res = await fetch(`${server.url}/v2/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
  await res.arrayBuffer();
  await server.close();
  await assert.rejects(fetch(`${server.url}/v2/`), 'nothing listens after close()');
});

test('createHandler mounts the registry in a server of the caller', async (t) => {
  const registry = await createHandler({ root: join(await scratch(t), 'root') });
  const server = createServer((req, res) => registry.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await registry.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}/v2/_catalog`);
  assert.deepEqual(await res.json(), { repositories: [] });
});

test('parseListen reads HOST:PORT, [V6]:PORT and :PORT, and refuses anything else', () => {
  assert.deepEqual(parseListen('127.0.0.1:5000'), { hostname: '127.0.0.1', port: 5000 });
  assert.deepEqual(parseListen('[::1]:0'), { hostname: '::1', port: 0 });
  assert.deepEqual(parseListen(':8080'), { hostname: '127.0.0.1', port: 8080 });
  for (const bad of ['5000', 'host:99999', 'a:b', '']) {
    assert.throws(() => parseListen(bad), { code: 'INVALID_ARGUMENT' }, bad);
  }
});
