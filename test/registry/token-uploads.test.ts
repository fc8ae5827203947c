/**
 * Pushing through the RegistryClient to a real registry with token auth, the way `copy
 * --all-platforms` does: many blobs at once, each checked with a HEAD, then uploaded from a bare
 * stream (so a 401 on the upload PUT cannot be answered by resending it). Every upload must
 * carry the push-scoped token.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import { createAuthenticator, memoryCredentialStore } from '../../src/transports/registry/auth/index.ts';
import { RegistryClient } from '../../src/transports/registry/index.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { startTokenServer, type TokenServer } from '../helpers/token-server.ts';

const makeDir = suiteScratch(after, 'ocikit-token-uploads-');
let tokens: TokenServer;
let registry: RunningRegistry;

before(async () => {
  tokens = await startTokenServer(await makeDir(), { users: { alice: 'wonderland' } });
  registry = await startRegistry({ auth: { token: tokens } });
});
after(async () => {
  await registry?.stop();
  await tokens?.close();
});

function clientAs(user: string, password: string): RegistryClient {
  return new RegistryClient(registry.host, {
    authenticator: createAuthenticator({
      credentials: memoryCredentialStore({ [registry.host]: { username: user, password } }),
    }),
  });
}

test('twelve parallel uploads from bare streams all succeed with one push-scoped token', async (t) => {
  const client = clientAs('alice', 'wonderland');
  t.after(() => client.close());
  const blobs = Array.from({ length: 12 }, (_, i) => randomBytes(300_000 + i));
  tokens.requests.length = 0;
  await Promise.all(
    blobs.map(async (bytes) => {
      const descriptor = { mediaType: OCI.layer, digest: digestBytes(bytes), size: bytes.byteLength };
      assert.equal(await client.headBlob('tok/par', descriptor.digest), undefined);
      await client.pushBlob('tok/par', descriptor, Readable.from([bytes]));
    }),
  );
  for (const bytes of blobs) {
    assert.equal((await client.headBlob('tok/par', digestBytes(bytes)))?.size, bytes.byteLength);
  }
  const pushTokens = tokens.requests.filter((r) => r.scopes.some((s) => s.endsWith(':pull,push')));
  assert.equal(pushTokens.length, 1, JSON.stringify(tokens.requests));
  assert.equal(pushTokens[0]?.user, 'alice');
});
