/** The contract with the registry client: its HTTP core authenticates through our Authenticator. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { createAuthenticator, memoryCredentialStore } from '../../src/transports/registry/auth/index.ts';
import { RegistryHttp } from '../../src/transports/registry/http.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { startTokenServer, type TokenServer } from '../helpers/token-server.ts';

let tokens: TokenServer;
let registry: RunningRegistry;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocikit-auth-client-'));
  tokens = await startTokenServer(dir, { users: { frank: 'frank-pw' } });
  registry = await startRegistry({ auth: { token: tokens } });
});
after(async () => {
  await registry?.stop();
  await tokens?.close();
  await rm(dir, { recursive: true, force: true });
});

const scopes = [{ type: 'repository' as const, name: 'frank/app', actions: ['pull', 'push'] }];

test('RegistryHttp pushes with a token from the Authenticator, fetching it once', async () => {
  const authenticator = createAuthenticator({
    credentials: memoryCredentialStore({ [registry.host]: { username: 'frank', password: 'frank-pw' } }),
  });
  const http = new RegistryHttp(new URL(registry.url), registry.host, { authenticator });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await http.send({
        method: 'POST',
        url: new URL('/v2/frank/app/blobs/uploads/', registry.url),
        scopes,
        expect: [202],
      });
      await res.body.dump();
    }
  } finally {
    await http.close();
  }
  assert.equal(tokens.requests.filter((r) => r.user === 'frank').length, 1);
});

test('RegistryHttp reports refused credentials as UNAUTHORIZED', async () => {
  const authenticator = createAuthenticator({
    credentials: memoryCredentialStore({ [registry.host]: { username: 'frank', password: 'nope' } }),
  });
  const http = new RegistryHttp(new URL(registry.url), registry.host, { authenticator });
  try {
    await assert.rejects(
      http.send({ method: 'GET', url: new URL('/v2/', registry.url), scopes: [], expect: [200] }),
      (err) =>
        isOciError(err, 'UNAUTHORIZED') && err.message.includes('"frank"') && !err.message.includes('nope'),
    );
  } finally {
    await http.close();
  }
});
