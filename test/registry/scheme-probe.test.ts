/**
 * With TLS verification off, a client pings HTTPS once and falls back to plain HTTP when the
 * registry does not speak TLS; later clients reuse a definite answer. A ping that fails in a way
 * that says nothing about the scheme (a reset connection) must not send every later client to
 * plain HTTP, which an HTTPS registry refuses.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openRegistryClient } from '../../src/transports/registry/open.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { makeTlsCertificates } from '../helpers/tls-certs.ts';
import { makeImage, pushImage } from './fixture.ts';

const image = makeImage([2_000]);
let dir: string;
let registry: RunningRegistry;
let proxy: Server;
let proxyHost: string;
/** Connections still to reset on arrival. */
let resets = 0;
const open = new Set<Socket>();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocikit-scheme-'));
  const certs = await makeTlsCertificates(dir, 'localhost');
  registry = await startRegistry({ tls: { certificate: certs.serverCert, key: certs.serverKey } });
  const port = Number(registry.host.split(':')[1]);
  proxy = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => {});
    if (resets > 0) {
      resets--;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port });
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyHost = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const pusher = await openRegistryClient(proxyHost, { tlsVerify: false, certsDirectories: [] });
  try {
    await pushImage(pusher, 'probe/app', image, 'v1');
  } finally {
    await pusher.close();
  }
});
after(async () => {
  for (const socket of open) socket.destroy();
  await new Promise<void>((resolve) => proxy?.close(() => resolve()));
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('the HTTPS-or-HTTP probe with TLS verification off', () => {
  test('a reset ping is not remembered: a later client still reaches the HTTPS registry', async () => {
    // A new origin for the probe memo: the same registry by another name.
    const host = proxyHost.replace('127.0.0.1', 'localhost');
    resets = 1;
    const first = await openRegistryClient(host, {
      tlsVerify: false,
      certsDirectories: [],
      retry: { attempts: 1 },
    });
    try {
      await first.getManifest('probe/app', 'v1').catch(() => undefined);
    } finally {
      await first.close();
    }
    assert.equal(resets, 0, 'the first ping met the reset');
    const later = await openRegistryClient(host, { tlsVerify: false, certsDirectories: [] });
    try {
      assert.equal((await later.getManifest('probe/app', 'v1')).digest, image.manifestDigest);
    } finally {
      await later.close();
    }
  });
});
