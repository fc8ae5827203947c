/**
 * Connection reuse: a copy's requests travel over kept-alive connections, at most one per
 * transfer in flight, instead of a new TCP connection (and, on a real registry, a new TLS
 * handshake) for most requests. Counted by a TCP proxy in front of a real registry.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyImage } from '../../src/copy/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import { layoutSink } from '../../src/transports/layout/index.ts';
import { RegistryClient } from '../../src/transports/registry/client.ts';
import { openRegistryClient } from '../../src/transports/registry/open.ts';
import { RegistrySink, RegistrySource } from '../../src/transports/registry/transport.ts';
import { startForwardingProxy } from '../helpers/forwarding-proxy.ts';
import { scratch } from '../helpers/peers-layout.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { serve } from '../serve/fixture.ts';
import { type CountingProxy, startCountingProxy } from './counting-proxy.ts';
import { clientFor, makeImage, pushImage, type TestImage } from './fixture.ts';

let registry: RunningRegistry;
let proxy: CountingProxy;
let dir: string;
let cleanup: () => Promise<void>;
const image: TestImage = makeImage([30_000, 40_000, 50_000, 60_000, 70_000, 80_000]);
const BLOBS = 1 + image.layers.length;

before(async () => {
  registry = await startRegistry();
  proxy = await startCountingProxy(registry.host);
  ({ dir, cleanup } = await scratch('connections'));
  await pushImage(clientFor({ after: () => {} }, registry.host), 'keep/app', image, 'v1');
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  await cleanup?.();
});

describe('registry connections are kept alive', () => {
  test('HEAD requests one after another share one connection', async (t) => {
    proxy.reset();
    const client = clientFor(t, proxy.host);
    for (const blob of [image.config, ...image.layers]) {
      const head = await client.headBlob('keep/app', blob.descriptor.digest);
      assert.equal(head?.size, blob.descriptor.size);
    }
    assert.equal(await client.headBlob('keep/app', `sha256:${'0'.repeat(64)}`), undefined);
    assert.equal(proxy.requests.length, BLOBS + 1);
    // undici hands a kept-alive connection back to its pool one event-loop turn after the
    // response, so a request sent at once may take a second one; never one per request.
    assert.ok(
      proxy.connections <= 2,
      `${proxy.connections} connections for ${proxy.requests.length} requests`,
    );
  });

  test('a pull of a seven-blob image opens at most one connection more than transfers in flight', async (t) => {
    proxy.reset();
    const source = new RegistrySource(parseReference(`${proxy.host}/keep/app:v1`), clientFor(t, proxy.host));
    const result = await copyImage(source, layoutSink(`${join(dir, 'pulled')}:v1`), { jobs: 2 });
    assert.equal(result.digest, image.manifestDigest);
    // HEAD and GET of the manifest, then every blob.
    assert.equal(proxy.requests.length, 2 + BLOBS);
    assert.ok(
      proxy.connections <= 3,
      `${proxy.connections} connections for ${proxy.requests.length} requests`,
    );
  });

  test('a warm pull into a layout holding the image asks the registry for the tag only, not the manifest', async (t) => {
    const destination = `${join(dir, 'warm')}:v1`;
    const pull = () =>
      copyImage(
        new RegistrySource(parseReference(`${proxy.host}/keep/app:v1`), clientFor(t, proxy.host)),
        layoutSink(destination),
      );
    await pull();
    proxy.reset();
    const again = await pull();
    assert.equal(again.digest, image.manifestDigest);
    assert.equal(again.document.digest, image.manifestDigest);
    // The tag's HEAD names the digest; the layout holds that manifest and every blob.
    assert.deepEqual(proxy.requests, ['HEAD /v2/keep/app/manifests/v1 HTTP/1.1']);
  });

  test('a manifest damaged in the destination layout is fetched from the registry instead', async (t) => {
    const folder = join(dir, 'damaged');
    const pull = () =>
      copyImage(
        new RegistrySource(parseReference(`${proxy.host}/keep/app:v1`), clientFor(t, proxy.host)),
        layoutSink(`${folder}:v1`),
      );
    await pull();
    const blob = join(folder, 'blobs', 'sha256', image.manifestDigest.slice('sha256:'.length));
    const bytes = await readFile(blob);
    bytes[0] = (bytes[0] as number) ^ 0xff;
    await writeFile(blob, bytes);
    proxy.reset();
    const again = await pull();
    assert.equal(again.document.digest, image.manifestDigest);
    assert.ok(
      proxy.requests.some((r) => r.startsWith(`GET /v2/keep/app/manifests/${image.manifestDigest}`)),
      proxy.requests.join('\n'),
    );
  });

  test('a push of a seven-blob image opens at most two connections per transfer in flight', async (t) => {
    proxy.reset();
    const source = new RegistrySource(
      parseReference(`${registry.host}/keep/app:v1`),
      clientFor(t, registry.host),
    );
    const sink = new RegistrySink(parseReference(`${proxy.host}/keep/copy:v1`), clientFor(t, proxy.host));
    const result = await copyImage(source, sink, { jobs: 2 });
    assert.equal(result.digest, image.manifestDigest);
    // Per blob a HEAD, a POST and a PUT; then the manifest by digest and by tag.
    assert.equal(proxy.requests.filter((r) => r.startsWith('HEAD ')).length, BLOBS);
    // An upload's POST and streamed PUT each hold their connection to themselves: at most two
    // per transfer in flight.
    assert.ok(
      proxy.connections <= 4,
      `${proxy.connections} connections for ${proxy.requests.length} requests`,
    );
  });

  test('registry clients opened one after another reuse the connections of the ones before', async () => {
    proxy.reset();
    for (let i = 0; i < 3; i++) {
      const client = new RegistryClient(proxy.host);
      try {
        assert.equal((await client.getManifest('keep/app', 'v1')).digest, image.manifestDigest);
      } finally {
        await client.close();
      }
    }
    assert.equal(proxy.requests.length, 3);
    // One connection at most: the tests before may have left one open to reuse.
    assert.ok(proxy.connections <= 1, `${proxy.connections} connections for 3 clients`);
  });

  test('clients sharing connections ask a registry without the referrers API once, then read the fallback tag', async () => {
    proxy.reset();
    for (let i = 0; i < 3; i++) {
      const client = new RegistryClient(proxy.host);
      try {
        assert.deepEqual(await client.referrers('keep/app', image.manifestDigest), {
          descriptors: [],
          via: 'tag',
        });
      } finally {
        await client.close();
      }
    }
    const referrersCalls = proxy.requests.filter((r) => r.includes('/referrers/'));
    const tagReads = proxy.requests.filter((r) => r.includes('/manifests/sha256-'));
    assert.equal(referrersCalls.length, 1, proxy.requests.join('\n'));
    assert.equal(tagReads.length, 3);
  });

  test('a 404 that is a distribution error (the API answering) does not mark the registry as without the API', async () => {
    // A fake on loopback: no real registry answers the referrers endpoint with a JSON 404.
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      if (req.url === '/v2/') {
        res.writeHead(200).end('{}');
        return;
      }
      const code = req.url?.includes('/referrers/') ? 'NAME_UNKNOWN' : 'MANIFEST_UNKNOWN';
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code, message: 'unknown' }] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (let i = 0; i < 2; i++) {
        const client = new RegistryClient(host);
        try {
          assert.deepEqual(await client.referrers('some/app', image.manifestDigest), {
            descriptors: [],
            via: 'tag',
          });
        } finally {
          await client.close();
        }
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(paths.filter((p) => p.includes('/referrers/')).length, 2);
  });

  test('a registry whose referrers API is not known yet is asked for the fallback tag beside it, not after its 404', async () => {
    // A loopback proxy in front of the real registry that holds the referrers answer back until
    // the fallback tag is asked for (or 5 s pass): a client that waits for the 404 first is seen.
    let tagAsked: () => void = () => {};
    const tagSeen = new Promise<'tag'>((resolve) => {
      tagAsked = () => resolve('tag');
    });
    let referrersReleasedBy: 'tag' | 'timeout' | undefined;
    const proxy = await startForwardingProxy(registry.host, async (req) => {
      const url = req.url ?? '';
      if (url.includes('/manifests/sha256-')) tagAsked();
      if (url.includes('/referrers/')) {
        referrersReleasedBy = await Promise.race([
          tagSeen,
          new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000).unref()),
        ]);
      }
      return { forward: true };
    });
    try {
      const client = new RegistryClient(proxy.host);
      try {
        assert.deepEqual(await client.referrers('keep/app', image.manifestDigest), {
          descriptors: [],
          via: 'tag',
        });
      } finally {
        await client.close();
      }
    } finally {
      await proxy.stop();
    }
    assert.equal(referrersReleasedBy, 'tag');
  });

  test('clients sharing connections stop asking for the fallback tag once the registry answered the referrers API', async (t) => {
    const served = await serve(t);
    const counting = await startCountingProxy(served.host);
    t.after(() => counting.stop());
    await pushImage(clientFor(t, served.host), 'keep/app', image, 'v1');
    for (let i = 0; i < 3; i++) {
      const client = new RegistryClient(counting.host);
      try {
        assert.deepEqual(await client.referrers('keep/app', image.manifestDigest), {
          descriptors: [],
          via: 'api',
        });
      } finally {
        await client.close();
      }
    }
    const referrersCalls = counting.requests.filter((r) => r.includes('/referrers/'));
    const tagReads = counting.requests.filter((r) => r.includes('/manifests/sha256-'));
    assert.equal(referrersCalls.length, 3, counting.requests.join('\n'));
    // At most the first lookup, before the registry had shown the API, asked for the tag beside it.
    assert.ok(tagReads.length <= 1, counting.requests.join('\n'));
  });

  test('lookups started together on one client ask for the fallback tag early only once', async (t) => {
    const served = await serve(t);
    const counting = await startCountingProxy(served.host);
    t.after(() => counting.stop());
    await pushImage(clientFor(t, served.host), 'keep/app', image, 'v1');
    const client = clientFor(t, counting.host);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => client.referrers('keep/app', image.manifestDigest)),
    );
    for (const result of results) assert.deepEqual(result, { descriptors: [], via: 'api' });
    const tagReads = counting.requests.filter((r) => r.includes('/manifests/sha256-'));
    assert.ok(tagReads.length <= 1, counting.requests.join('\n'));
  });

  test('a lookup the referrers API answered does not wait for the fallback tag asked for beside it', async (t) => {
    const served = await serve(t);
    await pushImage(clientFor(t, served.host), 'keep/app', image, 'v1');
    // A loopback proxy in front of `ocikit serve` (which has the API) that holds the fallback tag's
    // answer until the client goes away or 5 s pass, as a registry retrying or slow on it would.
    let tagReleased: (by: 'client' | 'timeout') => void = () => {};
    const tagReleasedBy = new Promise<'client' | 'timeout'>((resolve) => {
      tagReleased = resolve;
    });
    const proxy = await startForwardingProxy(served.host, async (req, res) => {
      if (!(req.url ?? '').includes('/manifests/sha256-')) return { forward: true };
      const by = await new Promise<'client' | 'timeout'>((resolve) => {
        res.once('close', () => resolve('client'));
        setTimeout(() => resolve('timeout'), 5000).unref();
      });
      tagReleased(by);
      return { forward: by === 'timeout' };
    });
    t.after(() => proxy.stop());
    const client = clientFor(t, proxy.host);
    assert.deepEqual(await client.referrers('keep/app', image.manifestDigest), {
      descriptors: [],
      via: 'api',
    });
    // Bounded: a client that never asks for the tag early fails here instead of hanging.
    const never = new Promise<'never asked'>((resolve) =>
      setTimeout(() => resolve('never asked'), 10_000).unref(),
    );
    assert.equal(await Promise.race([tagReleasedBy, never]), 'client');
  });

  test('with TLS verification off, a plain-HTTP registry is tried over HTTPS once, not once per client', async () => {
    proxy.reset();
    for (let i = 0; i < 3; i++) {
      const client = await openRegistryClient(proxy.host, { tlsVerify: false, certsDirectories: [] });
      try {
        assert.equal((await client.getManifest('keep/app', 'v1')).digest, image.manifestDigest);
      } finally {
        await client.close();
      }
    }
    assert.equal(proxy.tlsAttempts, 1);
    assert.equal(proxy.requests.length, 3);
  });
});
