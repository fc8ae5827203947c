/**
 * Hostile clients against `ocikit serve` (one named test each): malformed names, digests, ranges
 * and JSON, paths that would leave ROOT, oversized manifests, bodies longer than declared, slow
 * clients and floods of upload sessions. Each gets the spec's error, and nothing is written
 * outside ROOT or made visible unverified.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { scratch } from '../helpers/tmp.ts';
import { serve } from './fixture.ts';
import { rawRequest } from './raw-http.ts';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Every file and folder under `dir`, as relative paths. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [] as string[])).sort();
}

test('security: a name with .. or an encoded dot segment is NAME_INVALID, never a redirect, nothing written', async (t) => {
  const base = await scratch(t);
  const server = await serve(t, { root: join(base, 'root') });
  await mkdir(server.root, { recursive: true });
  const targets = [
    ['POST', '/v2/../escape/blobs/uploads/'],
    ['POST', '/v2/a/../../escape/blobs/uploads/'],
    ['POST', '/v2/%2e%2e/escape/blobs/uploads/'],
    ['PUT', '/v2/..%2fescape/manifests/latest'],
    ['GET', '/v2/./a/tags/list'],
    ['POST', '/v2//abs/blobs/uploads/'],
    ['POST', '/v2/org/blobs/sha256/blobs/uploads/'],
  ] as const;
  for (const [method, path] of targets) {
    const res = await rawRequest(server.url, method, path, { body: '{}' });
    assert.ok(res.status >= 400 && res.status < 500, `${method} ${path}: status ${res.status}`);
    assert.equal(res.headers.location, undefined, `${path}: no redirect`);
    assert.deepEqual(res.codes, ['NAME_INVALID'], `${method} ${path}`);
  }
  assert.deepEqual(await tree(base), ['root'], 'nothing was created, inside ROOT or out');
});

test('security: a repository folder that is a symlink out of ROOT is refused, nothing written there', async (t) => {
  const base = await scratch(t);
  const server = await serve(t, { root: join(base, 'root') });
  await mkdir(join(base, 'outside'));
  await mkdir(server.root, { recursive: true });
  await symlink(join(base, 'outside'), join(server.root, 'evil'));
  const bytes = randomBytes(10);
  const res = await rawRequest(server.url, 'POST', `/v2/evil/app/blobs/uploads/?digest=${sha256(bytes)}`, {
    body: bytes,
  });
  assert.equal(res.status, 400);
  assert.deepEqual(res.codes, ['NAME_INVALID']);
  assert.deepEqual(await tree(join(base, 'outside')), []);
});

test('security: malformed digests are 400 DIGEST_INVALID before any file is named', async (t) => {
  const server = await serve(t);
  const paths = [
    ['GET', '/v2/app/blobs/sha256:..%2f..%2fetc%2fpasswd'],
    ['GET', '/v2/app/blobs/sha256:ZZZZ'],
    ['HEAD', '/v2/app/manifests/sha256:abc'],
    ['POST', `/v2/app/blobs/uploads/?digest=md5:${'0'.repeat(32)}`],
    ['GET', `/v2/app/referrers/sha256:${'g'.repeat(64)}`],
  ] as const;
  for (const [method, path] of paths) {
    const res = await rawRequest(server.url, method, path);
    assert.equal(res.status, 400, `${method} ${path}`);
    if (method !== 'HEAD') assert.deepEqual(res.codes, ['DIGEST_INVALID'], path);
  }
});

test('security: malformed and unsatisfiable ranges are 416 with the size, never a partial read', async (t) => {
  const server = await serve(t);
  const bytes = randomBytes(100);
  const digest = sha256(bytes);
  const put = await rawRequest(server.url, 'POST', `/v2/app/blobs/uploads/?digest=${digest}`, {
    body: bytes,
  });
  assert.equal(put.status, 201);
  for (const range of ['bytes=50-10', 'bytes=0-1,5-6', 'bytes=abc', 'bytes=100-', 'items=0-1', 'bytes=-0']) {
    const res = await rawRequest(server.url, 'GET', `/v2/app/blobs/${digest}`, { headers: { Range: range } });
    assert.equal(res.status, 416, range);
    assert.equal(res.headers['content-range'], 'bytes */100', range);
  }
  const tail = await rawRequest(server.url, 'GET', `/v2/app/blobs/${digest}`, {
    headers: { Range: 'bytes=-10' },
  });
  assert.equal(tail.status, 206);
  assert.deepEqual(tail.body, bytes.subarray(90));
});

test('security: malformed manifest JSON is 400 MANIFEST_INVALID and not stored or tagged', async (t) => {
  const server = await serve(t);
  const bodies = [
    '{"schemaVersion": 2,',
    '[]',
    '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[]}',
    '{"schemaVersion":2,"manifests":[],"config":{"mediaType":"x","digest":"sha256:00","size":1},"layers":[]}',
  ];
  for (const body of bodies) {
    const res = await rawRequest(server.url, 'PUT', '/v2/app/manifests/bad', {
      body,
      headers: { 'Content-Type': OCI_MANIFEST },
    });
    assert.equal(res.status, 400, body);
    assert.deepEqual(res.codes, ['MANIFEST_INVALID'], body);
  }
  const tags = await rawRequest(server.url, 'GET', '/v2/app/tags/list');
  assert.ok(tags.status === 404 || JSON.parse(tags.body.toString()).tags.length === 0);
});

test('security: a manifest over 4 MiB is refused (413) whether declared or streamed, and not stored', async (t) => {
  const server = await serve(t);
  const big = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20);
  const declared = await rawRequest(server.url, 'PUT', '/v2/app/manifests/big', {
    body: big,
    headers: { 'Content-Type': OCI_MANIFEST },
  });
  assert.equal(declared.status, 413);
  assert.deepEqual(declared.codes, ['SIZE_INVALID']);
  const streamed = await rawRequest(server.url, 'PUT', '/v2/app/manifests/big', {
    body: big,
    headers: { 'Content-Type': OCI_MANIFEST, 'Transfer-Encoding': 'chunked' },
  });
  assert.equal(streamed.status, 413);
  assert.deepEqual(await tree(join(server.root, 'app', 'blobs')), []);
});

test('security: a body longer than declared never becomes the blob', async (t) => {
  const server = await serve(t);
  const bytes = randomBytes(20);
  // Content-Length says 10 while 20 bytes follow: only the 10 declared are the body, and they do
  // not hash to the digest asked for.
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    socket.on('close', () => resolve(text));
  });
  socket.write(
    `POST /v2/app/blobs/uploads/?digest=${sha256(bytes)} HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nConnection: close\r\n\r\n`,
  );
  socket.end(bytes);
  const text = await answer;
  assert.match(text, /^HTTP\/1\.1 400 /);
  // A chunk whose Content-Range and Content-Length disagree is refused as well.
  const started = await rawRequest(server.url, 'POST', '/v2/app/blobs/uploads/');
  const location = started.headers.location as string;
  const patch = await rawRequest(server.url, 'PATCH', location, {
    body: bytes,
    headers: { 'Content-Range': '0-9', 'Content-Type': 'application/octet-stream' },
  });
  assert.equal(patch.status, 400);
  assert.deepEqual(patch.codes, ['SIZE_INVALID']);
  assert.deepEqual(await tree(join(server.root, 'app', 'blobs')), []);
});

test('security: a client that sends its headers too slowly is disconnected', async (t) => {
  const server = await serve(t, { headersTimeoutMs: 300 });
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  const closed = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
    });
    socket.on('close', () => resolve(text));
    socket.on('error', () => {});
  });
  socket.write('GET /v2/ HTTP/1.1\r\nHost: x\r\n');
  // Dribble a header line now and then, never finishing: the header timeout still ends it.
  const dribble = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
  t.after(() => clearInterval(dribble));
  const text = await closed;
  clearInterval(dribble);
  assert.doesNotMatch(text, /^HTTP\/1\.1 200/);
});

test('security: an idle connection is closed', async (t) => {
  const server = await serve(t, { idleTimeoutMs: 300 });
  const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  await new Promise<void>((resolve) => {
    socket.on('close', () => resolve());
    socket.on('error', () => {});
  });
  assert.ok(socket.destroyed);
});

test('security: a flood of upload sessions is bounded with 429 TOOMANYREQUESTS', async (t) => {
  const server = await serve(t, { maxUploads: 4 });
  const locations: string[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await rawRequest(server.url, 'POST', '/v2/app/blobs/uploads/');
    assert.equal(res.status, 202);
    locations.push(res.headers.location as string);
  }
  const refused = await rawRequest(server.url, 'POST', '/v2/app/blobs/uploads/');
  assert.equal(refused.status, 429);
  assert.deepEqual(refused.codes, ['TOOMANYREQUESTS']);
  assert.equal((await rawRequest(server.url, 'DELETE', locations[0] as string)).status, 204);
  assert.equal((await rawRequest(server.url, 'POST', '/v2/app/blobs/uploads/')).status, 202);
});

test('security: an abandoned upload session expires and its bytes are removed', async (t) => {
  const server = await serve(t, { uploadTimeoutMs: 200 });
  const started = await rawRequest(server.url, 'POST', '/v2/app/blobs/uploads/');
  const location = started.headers.location as string;
  await rawRequest(server.url, 'PATCH', location, { body: randomBytes(1000) });
  const ingest = join(server.root, 'app', '.ocikit-ingest');
  assert.equal((await readdir(ingest)).length, 1);
  // Nothing touches the session (a status request would keep it alive) until its bytes are gone.
  while ((await readdir(ingest)).length > 0) await sleep(50);
  const status = await rawRequest(server.url, 'GET', location);
  assert.equal(status.status, 404);
  assert.deepEqual(status.codes, ['BLOB_UPLOAD_UNKNOWN']);
});

test('security: an upload whose digest does not match leaves no blob and no temp file', async (t) => {
  const server = await serve(t);
  const started = await rawRequest(server.url, 'POST', '/v2/app/blobs/uploads/');
  const location = started.headers.location as string;
  const wrong = sha256('something else');
  const res = await rawRequest(server.url, 'PUT', `${location}?digest=${wrong}`, { body: randomBytes(50) });
  assert.equal(res.status, 400);
  assert.deepEqual(res.codes, ['DIGEST_INVALID']);
  assert.deepEqual(await tree(join(server.root, 'app', 'blobs')), []);
  assert.deepEqual(await readdir(join(server.root, 'app', '.ocikit-ingest')), []);
  const index = JSON.parse(await readFile(join(server.root, 'app', 'index.json'), 'utf8'));
  assert.deepEqual(index.manifests, []);
});
