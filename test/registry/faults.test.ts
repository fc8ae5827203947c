/** The client under injected faults: broken connections, 5xx/429, altered bytes, redirects, timeouts. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { MANIFEST_ACCEPT, OCI } from '../../src/spec/media-types.ts';
import type { Authenticator } from '../../src/transports/registry/auth-contract.ts';
import { RegistryClient } from '../../src/transports/registry/client.ts';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { blobOf, clientFor, collect, makeImage, pushImage } from './fixture.ts';

let registry: RunningRegistry;
let proxy: FaultProxy;
const big = blobOf(randomBytes(3 * 1024 * 1024 + 17), OCI.layer);

before(async () => {
  registry = await startRegistry();
  const client = new RegistryClient(registry.host);
  await client.pushBlob('faults/app', big.descriptor, big.bytes);
  await client.close();
});
after(() => registry?.stop());

/** A fresh proxy per test, so faults and logs never leak between tests. */
async function freshProxy(t: { after(fn: () => unknown): void }): Promise<FaultProxy> {
  proxy = await startFaultProxy(registry.host);
  t.after(() => proxy.stop());
  return proxy;
}

/** A real HTTP server on 127.0.0.1 for faults no registry produces on demand. */
async function fakeServer(t: { after(fn: () => unknown): void }, handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const blobPath = `/v2/faults/app/blobs/${big.descriptor.digest}`;

describe('registry client under faults', () => {
  test('a blob download cut mid-body resumes with Range and yields the right bytes', async (t) => {
    const p = await freshProxy(t);
    p.faults.resetBlobAfter = { bytes: 1_000_000 };
    const client = clientFor(t, p.host);
    const bytes = await collect(await client.getBlob('faults/app', big.descriptor));
    assert.equal(digestBytes(bytes), big.descriptor.digest);
    const gets = p.seen.filter((r) => r.method === 'GET' && r.path === blobPath);
    assert.equal(gets.length, 2);
    assert.equal(gets[0]?.range, undefined);
    assert.ok(
      gets.every((r) => r.acceptEncoding === 'identity'),
      'blob GETs ask for no content coding',
    );
    const offset = Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? '')?.[1]);
    assert.ok(offset > 0 && offset <= 1_000_000, `resumed at ${offset}`);
  });

  test('a download cut more often than the retry budget fails with NETWORK_ERROR, never with short data', async (t) => {
    const p = await freshProxy(t);
    p.faults.resetBlobAfter = { bytes: 100_000, count: 100 };
    const client = clientFor(t, p.host);
    await assert.rejects(collect(await client.getBlob('faults/app', big.descriptor)), (err) =>
      isOciError(err, ErrorCode.NETWORK_ERROR),
    );
  });

  test('500 answers are retried until the registry answers', async (t) => {
    const p = await freshProxy(t);
    const image = makeImage([10]);
    await pushImage(clientFor(t, registry.host), 'faults/five', image, 'v1');
    p.faults.fail = { status: 500, count: 2, match: (r) => r.path.includes('/manifests/') };
    const fetched = await clientFor(t, p.host).getManifest('faults/five', 'v1');
    assert.equal(fetched.digest, image.manifestDigest);
    const manifestGets = p.seen.filter((r) => r.path.includes('/manifests/'));
    assert.equal(manifestGets.length, 3);
    for (const type of MANIFEST_ACCEPT) assert.ok(manifestGets[2]?.accept?.includes(type), type);
  });

  test('429 answers honour Retry-After and are retried', async (t) => {
    const p = await freshProxy(t);
    p.faults.fail = { status: 429, count: 1, retryAfter: '1', match: (r) => r.path === blobPath };
    const head = await clientFor(t, p.host).headBlob('faults/app', big.descriptor.digest);
    assert.equal(head?.size, big.bytes.byteLength);
    assert.equal(p.seen.filter((r) => r.path === blobPath).length, 2);
  });

  test('retries are bounded: a registry that keeps failing gives a retryable REGISTRY_ERROR after 5 attempts', async (t) => {
    const p = await freshProxy(t);
    p.faults.fail = { status: 503, count: 100, match: (r) => r.path.includes('/manifests/') };
    await assert.rejects(clientFor(t, p.host).getManifest('faults/app', 'v1'), (err) => {
      assert.ok(isOciError(err, ErrorCode.REGISTRY_ERROR));
      assert.equal(err.data.status, 503);
      assert.equal(err.retryable, true);
      return true;
    });
    assert.equal(p.seen.length, 5);
  });

  test('altered blob bytes fail with DIGEST_MISMATCH and the stream never ends cleanly', async (t) => {
    const p = await freshProxy(t);
    p.faults.corruptBlobs = true;
    const client = clientFor(t, p.host);
    const stream = await client.getBlob('faults/app', big.descriptor);
    let ended = false;
    stream.on('end', () => {
      ended = true;
    });
    await assert.rejects(collect(stream), (err) => isOciError(err, ErrorCode.DIGEST_MISMATCH));
    assert.equal(ended, false);
    await assert.rejects(client.getBlobBytes('faults/app', big.descriptor, 16 << 20), (err) =>
      isOciError(err, ErrorCode.DIGEST_MISMATCH),
    );
  });

  test('a redirect of a blob to another host does not carry Authorization there', async (t) => {
    const p = await freshProxy(t);
    p.faults.redirectBlobs = true;
    const secret = `Basic ${Buffer.from('user:secret').toString('base64')}`;
    const auth: Authenticator = {
      authorize: async (host) => (host === p.host ? secret : undefined),
      challenge: async () => false,
    };
    const client = clientFor(t, p.host, auth);
    const bytes = await collect(await client.getBlob('faults/app', big.descriptor));
    assert.equal(digestBytes(bytes), big.descriptor.digest);
    assert.equal(p.seen.find((r) => r.path === blobPath)?.authorization, secret);
    assert.equal(p.seenByOther.length, 1);
    assert.equal(p.seenByOther[0]?.path, blobPath);
    assert.equal(p.seenByOther[0]?.authorization, undefined);
  });

  test('a chunked upload resumes from the upload status after a failed chunk', async (t) => {
    const p = await freshProxy(t);
    const blob = blobOf(randomBytes(250_000), OCI.layer);
    let patches = 0;
    p.faults.fail = { status: 500, count: 1, match: (r) => r.method === 'PATCH' && ++patches === 2 };
    const client = clientFor(t, p.host);
    assert.equal(
      await client.pushBlob('faults/chunks', blob.descriptor, blob.bytes, { chunkSize: 100_000 }),
      'uploaded',
    );
    assert.ok(
      p.seen.some((r) => r.method === 'GET' && r.path.includes('/blobs/uploads/')),
      'asked for the status',
    );
    const back = await collect(await clientFor(t, registry.host).getBlob('faults/chunks', blob.descriptor));
    assert.deepEqual(back, blob.bytes);
  });

  test('a monolithic upload from a stream factory is retried in a new session after a 500', async (t) => {
    const p = await freshProxy(t);
    const blob = blobOf(randomBytes(200_000), OCI.layer);
    p.faults.fail = { status: 500, count: 1, match: (r) => r.method === 'PUT' };
    let opened = 0;
    const factory = () => {
      opened++;
      return Readable.from([blob.bytes]);
    };
    assert.equal(await clientFor(t, p.host).pushBlob('faults/mono', blob.descriptor, factory), 'uploaded');
    assert.equal(opened, 2);
    assert.equal(p.seen.filter((r) => r.method === 'POST').length, 2);
    assert.equal(p.seen.filter((r) => r.method === 'DELETE').length, 1, 'the failed session was cancelled');
  });

  test('a monolithic upload from a bare stream is not retried and its session is cancelled', async (t) => {
    const p = await freshProxy(t);
    const blob = blobOf(randomBytes(200_000), OCI.layer);
    p.faults.fail = { status: 500, count: 1, match: (r) => r.method === 'PUT' };
    await assert.rejects(
      clientFor(t, p.host).pushBlob('faults/once', blob.descriptor, Readable.from([blob.bytes])),
      (err) => isOciError(err, ErrorCode.REGISTRY_ERROR) && err.data.status === 500,
    );
    assert.equal(p.seen.filter((r) => r.method === 'PUT').length, 1);
    assert.equal(p.seen.filter((r) => r.method === 'DELETE').length, 1);
  });

  test('uploaded bytes that do not match the descriptor fail with DIGEST_MISMATCH and leave no blob', async (t) => {
    const client = clientFor(t, registry.host);
    const blob = blobOf(randomBytes(1000), OCI.layer);
    const other = randomBytes(1000);
    await assert.rejects(
      client.pushBlob('faults/lie', blob.descriptor, () => Readable.from([other])),
      (err) => isOciError(err, ErrorCode.DIGEST_MISMATCH),
    );
    assert.equal(await client.headBlob('faults/lie', blob.descriptor.digest), undefined);
    await assert.rejects(client.pushBlob('faults/lie', blob.descriptor, other), (err) =>
      isOciError(err, ErrorCode.DIGEST_MISMATCH),
    );
  });

  test('an aborted download fails with ABORTED', async (t) => {
    const p = await freshProxy(t);
    const controller = new AbortController();
    const stream = await clientFor(t, p.host).getBlob('faults/app', big.descriptor, {
      signal: controller.signal,
    });
    controller.abort();
    await assert.rejects(collect(stream), (err) => isOciError(err, ErrorCode.ABORTED));
  });

  test('an aborted upload fails with ABORTED and its session is cancelled', async (t) => {
    const p = await freshProxy(t);
    const controller = new AbortController();
    let pushed = 0;
    const endless = new Readable({
      read() {
        pushed++;
        if (pushed === 8) controller.abort();
        if (pushed <= 8) this.push(Buffer.alloc(64 * 1024, pushed));
      },
    });
    const descriptor = { mediaType: OCI.layer, digest: digestBytes('whatever'), size: 10 << 20 };
    await assert.rejects(
      clientFor(t, p.host).pushBlob('faults/abort', descriptor, endless, { signal: controller.signal }),
      (err) => isOciError(err, ErrorCode.ABORTED),
    );
    assert.equal(p.seen.filter((r) => r.method === 'DELETE').length, 1, 'the session was cancelled');
  });

  test('a server that never answers gives TIMEOUT', async (t) => {
    const host = await fakeServer(t, () => {});
    const client = new RegistryClient(host, { headersTimeoutMs: 200, retry: { attempts: 1 } });
    t.after(() => client.close());
    await assert.rejects(client.ping(), (err) => isOciError(err, ErrorCode.TIMEOUT) && err.retryable);
  });

  test('a manifest over 4 MiB is refused without reading it to the end, with or without Content-Length', async (t) => {
    // The server offers far more than any socket buffers hold and counts what it got to write:
    // a client that reads the whole body before checking its size lets it write everything.
    const total = 256 << 20;
    const chunk = Buffer.alloc(64 << 10, 0x20);
    const served = new Map<string, Promise<{ written: number; finished: boolean }>>();
    const host = await fakeServer(t, (req, res) => {
      const declared = req.url?.includes('declared') === true;
      let written = 0;
      let closed = false;
      served.set(
        declared ? 'declared' : 'streamed',
        new Promise((resolve) =>
          res.on('close', () => {
            closed = true;
            resolve({ written, finished: written === total });
          }),
        ),
      );
      res.writeHead(200, {
        'content-type': OCI.manifest,
        ...(declared ? { 'content-length': String(total) } : {}),
      });
      const pump = () => {
        while (!closed && written < total) {
          written += chunk.byteLength;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!closed) res.end();
      };
      pump();
    });
    const client = clientFor(t, host);
    for (const reference of ['streamed', 'declared']) {
      await assert.rejects(client.getManifest('huge/app', reference), (err) =>
        isOciError(err, ErrorCode.TOO_LARGE),
      );
      const { written, finished } = (await served.get(reference)) ?? { written: -1, finished: true };
      assert.equal(finished, false, `${reference}: the client read all ${written} bytes before refusing`);
      assert.ok(written < total / 2, `${reference}: the server wrote ${written} bytes`);
    }
  });

  test('Docker-Content-Digest: empty counts as absent, a wrong one is DIGEST_MISMATCH, a tag fetch is hashed', async (t) => {
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests: [] }));
    const host = await fakeServer(t, (req, res) => {
      const header = req.url?.includes('empty')
        ? ''
        : req.url?.includes('wrong')
          ? digestBytes('x')
          : undefined;
      res.writeHead(200, {
        'content-type': `${OCI.index}; charset=utf-8`,
        ...(header !== undefined ? { 'docker-content-digest': header } : {}),
      });
      res.end(body);
    });
    const client = clientFor(t, host);
    const empty = await client.getManifest('d/app', 'empty');
    assert.equal(empty.digest, digestBytes(body));
    assert.equal(empty.mediaType, OCI.index);
    assert.equal((await client.getManifest('d/app', 'absent')).digest, digestBytes(body));
    await assert.rejects(client.getManifest('d/app', 'wrong'), (err) =>
      isOciError(err, ErrorCode.DIGEST_MISMATCH),
    );
    await assert.rejects(client.getManifest('d/app', digestBytes('y')), (err) =>
      isOciError(err, ErrorCode.DIGEST_MISMATCH),
    );
  });
});
