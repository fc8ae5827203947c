/**
 * Blob GETs of `ocikit serve`, which send the committed file as it is on disk (no second hash,
 * two reused buffers, kept for the next downloads): whole blobs and ranges across the buffer
 * boundaries arrive byte for byte, several downloads at once do not mix, later downloads reuse the
 * buffers, a client that leaves mid-download releases the file, a
 * file that shrinks while being sent cuts the connection, and a blob damaged on disk after its
 * commit is served as it is (as Distribution does) while `ocikit fsck` reports it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendBufferCounts } from '../../src/serve/send-file.ts';
import { ocikit } from '../helpers/cli.ts';
import { serve } from './fixture.ts';
import { rawRequest } from './raw-http.ts';

const MiB = 1 << 20;

function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Pushes `bytes` as a blob of repository `name` (monolithic upload) and returns its digest. */
async function pushBlob(url: string, name: string, bytes: Buffer): Promise<string> {
  const digest = sha256(bytes);
  const res = await rawRequest(url, 'POST', `/v2/${name}/blobs/uploads/?digest=${digest}`, { body: bytes });
  assert.equal(res.status, 201, res.body.toString());
  return digest;
}

/** Open file descriptors of this process (the in-process server's included). */
async function openFds(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

test('a whole blob larger than the send buffers arrives byte for byte, HEAD gives its size', async (t) => {
  const server = await serve(t);
  const bytes = randomBytes(3 * MiB + 12345);
  const digest = await pushBlob(server.url, 'app', bytes);
  const res = await rawRequest(server.url, 'GET', `/v2/app/blobs/${digest}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], String(bytes.length));
  assert.equal(res.headers['docker-content-digest'], digest);
  assert.ok(res.body.equals(bytes), 'the bytes served are the bytes pushed');
  const head = await rawRequest(server.url, 'HEAD', `/v2/app/blobs/${digest}`);
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(bytes.length));
  assert.equal(head.body.length, 0);
});

test('Range GETs across the send-buffer boundaries return exactly the bytes asked for', async (t) => {
  const server = await serve(t);
  const bytes = randomBytes(2 * MiB + 777);
  const digest = await pushBlob(server.url, 'app', bytes);
  const size = bytes.length;
  const cases: [string, number, number][] = [
    ['bytes=0-0', 0, 0],
    [`bytes=${MiB - 5}-${MiB + 5}`, MiB - 5, MiB + 5],
    [`bytes=${MiB}-${2 * MiB + 100}`, MiB, 2 * MiB + 100],
    [`bytes=10-${size + 1000}`, 10, size - 1],
    [`bytes=${size - 1}-`, size - 1, size - 1],
    [`bytes=-${MiB + 1}`, size - MiB - 1, size - 1],
    [`bytes=-${size * 2}`, 0, size - 1],
  ];
  for (const [range, start, end] of cases) {
    const res = await rawRequest(server.url, 'GET', `/v2/app/blobs/${digest}`, { headers: { Range: range } });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers['content-range'], `bytes ${start}-${end}/${size}`, range);
    assert.equal(res.headers['content-length'], String(end - start + 1), range);
    assert.ok(res.body.equals(bytes.subarray(start, end + 1)), `${range}: the bytes of the range`);
  }
});

test('an empty blob is served with Content-Length 0', async (t) => {
  const server = await serve(t);
  const digest = await pushBlob(server.url, 'app', Buffer.alloc(0));
  const res = await rawRequest(server.url, 'GET', `/v2/app/blobs/${digest}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], '0');
  assert.equal(res.body.length, 0);
});

test('eight downloads of different blobs at once each get their own bytes', async (t) => {
  const server = await serve(t);
  const blobs = Array.from({ length: 8 }, (_, i) => randomBytes(MiB + 1000 * i + 1));
  const digests = await Promise.all(blobs.map((b) => pushBlob(server.url, 'app', b)));
  const responses = await Promise.all(
    digests.map((d) => rawRequest(server.url, 'GET', `/v2/app/blobs/${d}`)),
  );
  responses.forEach((res, i) => {
    assert.equal(res.status, 200);
    assert.equal(sha256(res.body), digests[i], `download ${i}`);
  });
});

test('later downloads take the send buffers earlier ones used, and each still gets its own bytes', async (t) => {
  const server = await serve(t);
  const blobs = [randomBytes(3 * MiB + 11), randomBytes(2 * MiB + 22), randomBytes(MiB + 33)];
  const digests = await Promise.all(blobs.map((b) => pushBlob(server.url, 'app', b)));
  let madeAfterFirst = 0;
  for (let round = 0; round < 4; round++) {
    const responses = await Promise.all(
      digests.map((d) => rawRequest(server.url, 'GET', `/v2/app/blobs/${d}`)),
    );
    responses.forEach((res, i) => {
      assert.equal(sha256(res.body), digests[i], `round ${round}, download ${i}`);
    });
    // The buffers become spares once the server's writes have completed, which the client's
    // end of the response does not wait for.
    for (let i = 0; i < 500 && sendBufferCounts().spare < 2 * blobs.length; i++) await sleep(10);
    assert.ok(
      sendBufferCounts().spare >= 2 * blobs.length,
      `round ${round}: the buffers came back as spares`,
    );
    if (round === 0) madeAfterFirst = sendBufferCounts().made;
  }
  assert.equal(sendBufferCounts().made, madeAfterFirst, 'no send buffer was made after the first round');
});

test('a client that leaves mid-download releases the file, and the server serves on', async (t) => {
  const server = await serve(t);
  const bytes = randomBytes(32 * MiB);
  const digest = await pushBlob(server.url, 'app', bytes);
  const before = await openFds();
  const url = new URL(server.url);
  await new Promise<void>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: `/v2/app/blobs/${digest}` }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
    req.once('error', reject);
    req.end();
  });
  for (let i = 0; i < 100 && (await openFds()) > before; i++) await sleep(20);
  assert.ok((await openFds()) <= before, 'the blob file and the socket were closed');
  const res = await rawRequest(server.url, 'GET', `/v2/app/blobs/${digest}`, {
    headers: { Range: 'bytes=0-9' },
  });
  assert.ok(res.body.equals(bytes.subarray(0, 10)));
});

test('a blob file that shrinks while being sent cuts the connection, never a short 200', async (t) => {
  const server = await serve(t);
  const bytes = randomBytes(64 * MiB);
  const digest = await pushBlob(server.url, 'app', bytes);
  const url = new URL(server.url);
  const received = await new Promise<{ bytes: number; complete: boolean }>((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, path: `/v2/app/blobs/${digest}` },
      async (res) => {
        assert.equal(res.headers['content-length'], String(bytes.length));
        res.pause(); // the socket buffers fill and the server waits
        await sleep(200);
        await truncate(join(server.root, 'app', 'blobs', 'sha256', digest.slice(7)), 1000);
        let count = 0;
        res.on('data', (chunk: Buffer) => {
          count += chunk.length;
        });
        res.on('end', () => resolve({ bytes: count, complete: res.complete }));
        res.on('error', () => resolve({ bytes: count, complete: false }));
        res.on('aborted', () => resolve({ bytes: count, complete: false }));
        res.resume();
      },
    );
    req.on('error', () => {});
    req.end();
  });
  assert.equal(received.complete, false, 'the response did not end as if complete');
  assert.ok(received.bytes < bytes.length, `received ${received.bytes} bytes`);
});

test('a blob damaged on disk after its commit is served as stored; ocikit fsck reports it', async (t) => {
  // Decision: a GET does not hash a committed blob again (it was verified when committed, and
  // every client verifies what it pulls); Distribution serves its files the same way. Damage on
  // disk is what `ocikit fsck` is for.
  const server = await serve(t);
  const layer = randomBytes(100_000);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [sha256(layer)] },
    }),
  );
  const layerDigest = await pushBlob(server.url, 'app', layer);
  const configDigest = await pushBlob(server.url, 'app', config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: config.length,
    },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length },
    ],
  });
  const put = await rawRequest(server.url, 'PUT', '/v2/app/manifests/1', {
    headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest,
  });
  assert.equal(put.status, 201);
  const path = join(server.root, 'app', 'blobs', 'sha256', layerDigest.slice(7));
  const damaged = Buffer.from(await readFile(path));
  damaged[5000] = (damaged[5000] as number) ^ 0xff;
  await writeFile(path, damaged);
  const res = await rawRequest(server.url, 'GET', `/v2/app/blobs/${layerDigest}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers['docker-content-digest'], layerDigest);
  assert.ok(res.body.equals(damaged), 'the bytes on disk are sent; the client finds the mismatch');
  const fsck = await ocikit(['fsck', join(server.root, 'app')]);
  assert.notEqual(fsck.code, 0, 'fsck fails');
  assert.match(`${fsck.out}\n${fsck.stderr}`, new RegExp(layerDigest.slice(7, 19)));
});
