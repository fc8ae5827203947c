/**
 * Lookaside reads over http:// from a hostile server (a loopback server, since a real static
 * server cannot be made to answer without end): what it can make ocikit read is bounded in total,
 * not only per signature.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { readLookaside } from '../../src/trust/index.ts';
import { MAX_SIGNATURE_BYTES } from '../../src/trust/limits.ts';

const server = createServer((req, res) => {
  // Every signature-N exists and is just under the per-signature limit.
  if (/\/signature-[0-9]+$/.test(req.url ?? '')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(Buffer.alloc(MAX_SIGNATURE_BYTES - 1, 0x61));
    return;
  }
  res.writeHead(404);
  res.end();
});
let base: string;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sigs/app`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('security: an http lookaside serving endless large signatures is cut off with TOO_LARGE', async () => {
  await assert.rejects(readLookaside(new URL(base), `sha256:${'a'.repeat(64)}`), (err: unknown) => {
    assert.ok(isOciError(err, ErrorCode.TOO_LARGE), String(err));
    return true;
  });
});

test('security: a digest that is not ALG:HEX never names a path outside the lookaside root', async () => {
  const root = new URL('file:///srv/sigstore/app');
  for (const digest of ['sha256:../../../etc', 'sha256:%2e%2e/%2e%2e/x', '../x:y', 'sha256:a/../../b']) {
    await assert.rejects(readLookaside(root, digest), (err: unknown) => {
      assert.ok(isOciError(err, ErrorCode.INVALID_ARGUMENT), `${digest}: ${String(err)}`);
      return true;
    });
  }
});
