/**
 * ADD of URLs served by a hostile server (a hand-written one on 127.0.0.1: these are faults a
 * real file server does not produce): a redirect to another scheme is refused saying why, and a
 * URL whose last segment decodes to no usable file name (a malformed escape, a NUL) fails with a
 * typed error naming the line instead of crashing or naming a file with a NUL in it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { buildIn } from './engine-helpers.ts';

let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/to-file') {
      res.writeHead(302, { location: 'file:///etc/passwd' });
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('served\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
});

test('security: a redirect to a file: URL is refused, saying why', async (t) => {
  await assert.rejects(
    buildIn(t, `FROM scratch\nADD ${base}/to-file /x\n`),
    (err: unknown) =>
      isOciError(err, 'NETWORK_ERROR') &&
      /^Dockerfile:2: cannot fetch .*\/to-file: .*HTTP\(S\) scheme/.test((err as Error).message),
  );
});

test('security: a URL whose file name is a malformed escape or holds a NUL fails with a typed error', async (t) => {
  for (const path of ['/bad%E0%A4%A', '/a%00b']) {
    await assert.rejects(
      buildIn(t, `FROM scratch\nADD ${base}${path} /dir/\n`),
      (err: unknown) =>
        isOciError(err, 'INVALID_ARGUMENT') &&
        /^Dockerfile:2: .*no usable file name/.test((err as Error).message),
      path,
    );
  }
});
