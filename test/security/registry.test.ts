/**
 * Security cases of registry listings (`ocikit ls REPO`, `ocikit catalog`): a hostile registry
 * answering every page with a fresh `Link: rel="next"` must not make the client accumulate
 * listings without bound. The fault is one a real registry never produces, so the peer is a
 * hand-written HTTP server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { anonymousAuthenticator, RegistryClient } from '../../src/transports/registry/index.ts';

/** Tags of one page: 4096 × 256 bytes ≈ 1 MiB of JSON. */
const PAGE = JSON.stringify({
  name: 'app',
  tags: Array.from({ length: 4096 }, (_, i) => `t${i}`.padEnd(254, 'x')),
});
/** After this many pages the server gives up with a 500, so a client without a bound still ends. */
const SENTINEL_PAGES = 256;

test('tag listing stops by itself before a never-ending pagination reaches 256 MiB', async (t) => {
  let served = 0;
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/v2/app/tags/list')) {
      res.writeHead(req.url === '/v2/' ? 200 : 404).end('{}');
      return;
    }
    if (served >= SENTINEL_PAGES) {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"errors":[{"code":"SENTINEL"}]}');
      return;
    }
    served++;
    res.writeHead(200, {
      'content-type': 'application/json',
      link: `</v2/app/tags/list?n=4096&last=page${served}>; rel="next"`,
    });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;

  const client = new RegistryClient(`127.0.0.1:${port}`, { authenticator: anonymousAuthenticator });
  t.after(() => client.close());
  let thrown: unknown;
  let tags: string[] | undefined;
  try {
    tags = await client.listTags('app');
  } catch (err) {
    thrown = err;
  }
  assert.equal(tags, undefined, 'an endless listing was returned as complete');
  assert.ok(isOciError(thrown), `expected an OciError, got ${String(thrown)}`);
  assert.ok(
    served < SENTINEL_PAGES,
    `the client followed ${served} pages (${served} MiB held in memory) until the server itself gave up (${(thrown as Error).message})`,
  );
});

test('a single listing page of 500k tags (about 5 MB) fails or succeeds with an OciError, never a RangeError', async (t) => {
  const body = JSON.stringify({ name: 'app', tags: Array.from({ length: 500_000 }, (_, i) => `t${i}`) });
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/v2/app/tags/list')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else res.writeHead(req.url === '/v2/' ? 200 : 404).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const client = new RegistryClient(`127.0.0.1:${port}`, { authenticator: anonymousAuthenticator });
  t.after(() => client.close());
  let thrown: unknown;
  try {
    await client.listTags('app');
  } catch (err) {
    thrown = err;
  }
  assert.ok(
    thrown === undefined || isOciError(thrown),
    `listTags threw a non-OciError: ${(thrown as Error | undefined)?.name}: ${(thrown as Error | undefined)?.message}`,
  );
});
