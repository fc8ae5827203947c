/** Bearer-token auth against a real Distribution registry trusting our RS256 token server, through RegistryClient. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, type TestContext, test } from 'node:test';
import { type Digest, digestBytes } from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import {
  type Authenticator,
  type Credential,
  createAuthenticator,
  memoryCredentialStore,
} from '../../src/transports/registry/auth/index.ts';
import { RegistryClient } from '../../src/transports/registry/client.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { startTokenServer, type TokenServer } from '../helpers/token-server.ts';

const USERS = { alice: 'alice-secret-pw', reader: 'reader-secret-pw' };

/** Random bytes with their descriptor. */
function blob(): { bytes: Buffer; descriptor: { digest: Digest; size: number } } {
  const bytes = randomBytes(512);
  return { bytes, descriptor: { digest: digestBytes(bytes), size: bytes.byteLength } };
}

describe('Bearer token auth with a real registry', () => {
  let tokens: TokenServer;
  let registry: RunningRegistry;

  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ocikit-token-'));
    tokens = await startTokenServer(dir, { users: USERS });
    registry = await startRegistry({ auth: { token: tokens } });
  });
  after(async () => {
    await registry?.stop();
    await tokens?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    tokens.requests.length = 0;
    tokens.options.users = USERS;
    tokens.options.anonymousPull = false;
    tokens.options.fields = 'both';
    tokens.options.expiresIn = 300;
    tokens.options.refreshTokens = undefined;
    tokens.options.access = (user, _type, _name, requested) =>
      user === 'reader' || user === undefined ? requested.filter((a) => a === 'pull') : requested;
  });

  const authFor = (credential?: Credential, now?: () => number) =>
    createAuthenticator({
      credentials: memoryCredentialStore(credential ? { [registry.host]: credential } : {}),
      ...(now ? { now } : {}),
    });
  const alice = () => authFor({ username: 'alice', password: USERS.alice });

  /** A RegistryClient of the registry authenticating with `authenticator`, closed after the test. */
  const clientOf = (t: TestContext, authenticator: Authenticator): RegistryClient => {
    const client = new RegistryClient(registry.host, { authenticator });
    t.after(() => client.close());
    return client;
  };

  /** Uploads a new blob (no existence check first, so only the push scope is asked for). */
  async function pushNew(client: RegistryClient, repository: string): Promise<Digest> {
    const { bytes, descriptor } = blob();
    assert.equal(await client.pushBlob(repository, descriptor, bytes, { skipExisting: false }), 'uploaded');
    return descriptor.digest;
  }

  test('push and pull scopes: a token is fetched with Basic credentials for exactly the scope', async (t) => {
    const client = clientOf(t, alice());
    const digest = await pushNew(client, 'alice/app');
    assert.ok(await client.headBlob('alice/app', digest));
    assert.deepEqual(
      tokens.requests.map((r) => [r.method, r.user, r.service, r.scopes, r.status]),
      [
        ['GET', 'alice', tokens.service, ['repository:alice/app:pull,push'], 200],
        ['GET', 'alice', tokens.service, ['repository:alice/app:pull'], 200],
      ],
    );
  });

  test('tokens are cached per host and scope set, whatever the order of actions', async (t) => {
    const auth = alice();
    const client = clientOf(t, auth);
    await pushNew(client, 'alice/cache');
    assert.equal(tokens.requests.length, 1);
    for (let i = 0; i < 3; i++) await pushNew(client, 'alice/cache');
    assert.equal(tokens.requests.length, 1, 'no new token request for the same scope set');
    const reordered = await auth.authorize(registry.host, [
      { type: 'repository', name: 'alice/cache', actions: ['push', 'pull'] },
    ]);
    assert.match(reordered ?? '', /^Bearer /);
    assert.equal(tokens.requests.length, 1, 'push,pull is the same scope set as pull,push');
    assert.equal(await client.headBlob('other', blob().descriptor.digest), undefined);
    assert.equal(tokens.requests.length, 2, 'another scope set needs another token');
  });

  test('a referrers lookup asking the API and the fallback tag at once fetches one token for both (the two 401s share it)', async (t) => {
    const client = clientOf(t, alice());
    const digest = await pushNew(client, 'alice/refs');
    tokens.requests.length = 0;
    // Fresh connections (a client of its own settings): the registry's lack of the API is not known yet.
    const lookup = new RegistryClient(registry.host, { authenticator: alice(), headersTimeoutMs: 29_000 });
    t.after(() => lookup.close());
    assert.deepEqual(await lookup.referrers('alice/refs', digest), { descriptors: [], via: 'tag' });
    assert.deepEqual(
      tokens.requests.map((r) => [r.user, r.scopes, r.status]),
      [['alice', ['repository:alice/refs:pull'], 200]],
    );
  });

  test('expiry is respected: the token is reused before expiry and refetched after', async (t) => {
    let clock = Date.now();
    const client = clientOf(
      t,
      authFor({ username: 'alice', password: USERS.alice }, () => clock),
    );
    tokens.options.expiresIn = 120;
    const { digest } = blob().descriptor;
    const get = () => client.headBlob('alice/expiry', digest);
    await get();
    assert.equal(tokens.requests.length, 1);
    clock += 60_000;
    await get();
    assert.equal(tokens.requests.length, 1, 'still fresh after a minute');
    clock += 60_000;
    await get();
    assert.equal(tokens.requests.length, 2, 'expired after two minutes');
  });

  test('expires_in missing means 60 seconds', async (t) => {
    let clock = Date.now();
    const client = clientOf(
      t,
      authFor({ username: 'alice', password: USERS.alice }, () => clock),
    );
    tokens.options.expiresIn = null;
    const { digest } = blob().descriptor;
    const get = () => client.headBlob('alice/default', digest);
    await get();
    clock += 30_000;
    await get();
    assert.equal(tokens.requests.length, 1);
    clock += 31_000;
    await get();
    assert.equal(tokens.requests.length, 2);
  });

  for (const fields of ['access_token', 'token'] as const) {
    test(`a response carrying only "${fields}" works`, async (t) => {
      tokens.options.fields = fields;
      await pushNew(clientOf(t, alice()), 'alice/fields');
      assert.equal(tokens.requests.length, 1);
    });
  }

  test('a cross-repository mount asks one token for push on the target and pull on the source', async (t) => {
    const client = clientOf(t, alice());
    const digest = await pushNew(client, 'alice/source');
    tokens.requests.length = 0;
    assert.equal(
      await client.mountBlob('alice/target', digest, 'alice/source'),
      true,
      'mounted, not uploaded',
    );
    assert.deepEqual(
      tokens.requests.map((r) => r.scopes),
      [['repository:alice/source:pull', 'repository:alice/target:pull,push']],
    );
    assert.ok(await client.headBlob('alice/target', digest));
  });

  test('the catalog needs registry:catalog:*', async (t) => {
    assert.ok(Array.isArray(await clientOf(t, alice()).catalog()));
    assert.deepEqual(
      tokens.requests.map((r) => r.scopes),
      [['registry:catalog:*']],
    );
  });

  test('anonymous pull is allowed when the token service grants it; anonymous push is refused', async (t) => {
    tokens.options.anonymousPull = true;
    const client = clientOf(t, authFor());
    assert.equal(await client.headBlob('alice/app', blob().descriptor.digest), undefined);
    assert.equal(tokens.requests[0]?.user, undefined);
    await assert.rejects(pushNew(client, 'alice/app'), (err) => isOciError(err, 'UNAUTHORIZED'));
  });

  test('anonymous access refused by the token service is UNAUTHORIZED asking to log in', async (t) => {
    await assert.rejects(
      clientOf(t, authFor()).headBlob('alice/app', blob().descriptor.digest),
      (err) => isOciError(err, 'UNAUTHORIZED') && /requires authentication/.test(err.message),
    );
  });

  test('a pull-only user may pull but not push (insufficient scope)', async (t) => {
    const client = clientOf(t, authFor({ username: 'reader', password: USERS.reader }));
    assert.equal(await client.headBlob('alice/app', blob().descriptor.digest), undefined);
    await assert.rejects(pushNew(client, 'alice/app'), (err) => isOciError(err, 'UNAUTHORIZED'));
  });

  test('security: a wrong password is UNAUTHORIZED naming registry and user, never the password', async (t) => {
    const wrong = 'not-the-alice-password';
    const client = clientOf(t, authFor({ username: 'alice', password: wrong }));
    await assert.rejects(client.ping(), (err: unknown) => {
      assert.ok(isOciError(err, 'UNAUTHORIZED'));
      assert.match(
        err.message,
        new RegExp(`registry ${registry.host} rejected the credentials of user "alice"`),
      );
      assert.ok(!`${err.message} ${JSON.stringify(err.data)} ${err.stack}`.includes(wrong));
      return true;
    });
  });

  test('an identity token is exchanged with an OAuth2 POST (grant_type=refresh_token)', async (t) => {
    tokens.options.refreshTokens = { 'refresh-alice': 'alice' };
    await pushNew(clientOf(t, authFor({ username: '', identityToken: 'refresh-alice' })), 'alice/oauth');
    assert.deepEqual(
      tokens.requests.map((r) => [r.method, r.grantType, r.user, r.scopes]),
      [['POST', 'refresh_token', 'alice', ['repository:alice/oauth:pull,push']]],
    );
  });

  test('when the OAuth2 POST answers 404 the GET flow is used', async (t) => {
    const auth = authFor({ username: 'alice', password: USERS.alice, identityToken: 'unused' });
    await pushNew(clientOf(t, auth), 'alice/fallback');
    assert.deepEqual(
      tokens.requests.map((r) => [r.method, r.status, r.user]),
      [
        ['POST', 404, undefined],
        ['GET', 200, 'alice'],
      ],
    );
  });

  test('a refused identity token is UNAUTHORIZED', async (t) => {
    tokens.options.refreshTokens = { 'refresh-alice': 'alice' };
    const client = clientOf(t, authFor({ username: '', identityToken: 'stolen-or-stale' }));
    await assert.rejects(client.ping(), (err: unknown) => {
      assert.ok(isOciError(err, 'UNAUTHORIZED'));
      assert.ok(!err.message.includes('stolen-or-stale'));
      return true;
    });
  });
});
