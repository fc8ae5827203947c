/**
 * Bounds on paginated listings (tags, catalog, referrers) across all their pages: a hostile
 * registry that answers every page with a fresh `Link: rel="next"` gets TOO_LARGE, never
 * unbounded memory. These faults are ones a real registry never produces, so the peer is a
 * hand-written HTTP server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import { anonymousAuthenticator, RegistryClient } from '../../src/transports/registry/index.ts';
import { MAX_LISTING_ITEMS, MAX_LISTING_TOTAL_BYTES } from '../../src/transports/registry/listing-budget.ts';

/** Starts `handler` on 127.0.0.1 and returns a client of it, both closed after the test. */
async function clientOf(
  t: { after(fn: () => unknown): void },
  handler: RequestListener,
): Promise<RegistryClient> {
  const server = createServer((req, res) => {
    if (req.url === '/v2/') res.writeHead(200).end('{}');
    else handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  const client = new RegistryClient(`127.0.0.1:${port}`, { authenticator: anonymousAuthenticator });
  t.after(() => client.close());
  return client;
}

/** One page of `count` tags of 254 characters: about 256 bytes a tag. */
function tagPage(count: number, prefix: string): string {
  return JSON.stringify({
    name: 'app',
    tags: Array.from({ length: count }, (_, i) => `${prefix}${i}`.padEnd(254, 'x')),
  });
}

test('an endless tag listing stops with TOO_LARGE once the pages pass the total byte limit', async (t) => {
  let served = 0;
  const page = tagPage(16_384, 't'); // about 4 MiB
  const client = await clientOf(t, (_req, res) => {
    served++;
    res.writeHead(200, {
      'content-type': 'application/json',
      link: `</v2/app/tags/list?last=p${served}>; rel="next"`,
    });
    res.end(page);
  });
  await assert.rejects(client.listTags('app'), (err: unknown) => {
    assert.ok(isOciError(err, 'TOO_LARGE'), String(err));
    assert.match(err.message, /tag listing of app is larger than \d+ bytes over \d+ pages/);
    return true;
  });
  const limitPages = Math.ceil(MAX_LISTING_TOTAL_BYTES / Buffer.byteLength(page));
  assert.ok(served <= limitPages + 1, `followed ${served} pages`);
});

test('an endless catalog stops with TOO_LARGE too', async (t) => {
  let served = 0;
  const page = JSON.stringify({
    repositories: Array.from({ length: 16_384 }, (_, i) => `r${i}`.padEnd(254, 'x')),
  });
  const client = await clientOf(t, (_req, res) => {
    served++;
    res.writeHead(200, { link: `</v2/_catalog?last=p${served}>; rel="next"` }).end(page);
  });
  await assert.rejects(
    client.catalog(),
    (err: unknown) => isOciError(err, 'TOO_LARGE') && /catalog/.test(err.message),
  );
});

test('an endless referrers listing stops with TOO_LARGE', async (t) => {
  const subject = `sha256:${'a'.repeat(64)}`;
  const entry = { mediaType: OCI.manifest, digest: `sha256:${'b'.repeat(64)}`, size: 1, artifactType: 'x/y' };
  const page = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI.index,
    manifests: Array(32_768).fill(entry),
  });
  let served = 0;
  const client = await clientOf(t, (_req, res) => {
    served++;
    res.writeHead(200, {
      'content-type': OCI.index,
      link: `</v2/app/referrers/${subject}?p=${served}>; rel="next"`,
    });
    res.end(page);
  });
  await assert.rejects(client.referrers('app', subject), (err: unknown) => {
    assert.ok(isOciError(err, 'TOO_LARGE'), String(err));
    assert.match(err.message, /referrers listing/);
    return true;
  });
  assert.ok(served * Buffer.byteLength(page) <= MAX_LISTING_TOTAL_BYTES + 2 * Buffer.byteLength(page));
});

test('a listing whose next link points back to a page already read is a REGISTRY_ERROR', async (t) => {
  const client = await clientOf(t, (_req, res) => {
    res.writeHead(200, { link: '</v2/app/tags/list?last=a>; rel="next"' }).end('{"tags":["a"]}');
  });
  await assert.rejects(client.listTags('app'), (err: unknown) => isOciError(err, 'REGISTRY_ERROR'));
});

test('one page of 500 000 tags is returned whole (no spread of a huge array)', async (t) => {
  const body = JSON.stringify({ name: 'app', tags: Array.from({ length: 500_000 }, (_, i) => `t${i}`) });
  const client = await clientOf(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  const tags = await client.listTags('app');
  assert.equal(tags.length, 500_000);
  assert.equal(tags[499_999], 't499999');
});

test(`more than ${MAX_LISTING_ITEMS} entries across pages is TOO_LARGE`, async (t) => {
  // Two-byte tags: the item bound is reached long before the byte bound.
  const page = JSON.stringify({ tags: Array.from({ length: 400_000 }, () => 'a') });
  let served = 0;
  const client = await clientOf(t, (_req, res) => {
    served++;
    res.writeHead(200, { link: `</v2/app/tags/list?last=p${served}>; rel="next"` }).end(page);
  });
  await assert.rejects(client.listTags('app'), (err: unknown) => {
    assert.ok(isOciError(err, 'TOO_LARGE'), String(err));
    assert.match(err.message, /more than 1000000 entries/);
    return true;
  });
  assert.equal(served, 3);
});
