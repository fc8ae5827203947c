/** Bearer-token auth against a real Distribution registry trusting our RS256 token server. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import {
  type AuthScope,
  type Credential,
  createAuthenticator,
  memoryCredentialStore,
} from '../../src/transports/registry/auth/index.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { startTokenServer, type TokenServer } from '../helpers/token-server.ts';
import { send } from './client.ts';

const USERS = { alice: 'alice-secret-pw', reader: 'reader-secret-pw' };
const repo = (name: string, ...actions: string[]): AuthScope => ({ type: 'repository', name, actions });

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
  const url = (path: string) => `${registry.url}${path}`;

  async function pushBlob(auth: ReturnType<typeof authFor>, name: string, data: Buffer): Promise<string> {
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
    const scopes = [repo(name, 'pull', 'push')];
    const start = await send(auth, registry.host, 'POST', url(`/v2/${name}/blobs/uploads/`), scopes);
    assert.equal(start.status, 202);
    const location = new URL(String(start.headers.location), registry.url);
    location.searchParams.set('digest', digest);
    const done = await send(auth, registry.host, 'PUT', location.href, scopes, data);
    assert.equal(done.status, 201, done.text);
    return digest;
  }

  test('push and pull scopes: a token is fetched with Basic credentials for exactly the scope', async () => {
    const auth = alice();
    const digest = await pushBlob(auth, 'alice/app', Buffer.from('layer one'));
    const head = await send(auth, registry.host, 'HEAD', url(`/v2/alice/app/blobs/${digest}`), [
      repo('alice/app', 'pull'),
    ]);
    assert.equal(head.status, 200);
    const first = tokens.requests[0];
    assert.equal(first?.method, 'GET');
    assert.equal(first?.user, 'alice');
    assert.equal(first?.service, tokens.service);
    assert.deepEqual(first?.scopes, ['repository:alice/app:pull,push']);
    assert.ok(tokens.requests.every((r) => r.status === 200));
  });

  test('tokens are cached per host and scope set, whatever the order of actions', async () => {
    const auth = alice();
    const scopes = [repo('alice/cache', 'pull', 'push')];
    await send(auth, registry.host, 'POST', url('/v2/alice/cache/blobs/uploads/'), scopes);
    const fetched = tokens.requests.length;
    assert.equal(fetched, 1);
    for (let i = 0; i < 4; i++) {
      const reply = await send(auth, registry.host, 'POST', url('/v2/alice/cache/blobs/uploads/'), [
        repo('alice/cache', 'push', 'pull'),
      ]);
      assert.equal(reply.status, 202);
    }
    assert.equal(tokens.requests.length, fetched, 'no new token request for the same scope set');
    await send(auth, registry.host, 'GET', url('/v2/other/tags/list'), [repo('other', 'pull')]);
    assert.equal(tokens.requests.length, fetched + 1, 'another scope set needs another token');
  });

  test('expiry is respected: the token is reused before expiry and refetched after', async () => {
    let clock = Date.now();
    const auth = authFor({ username: 'alice', password: USERS.alice }, () => clock);
    tokens.options.expiresIn = 120;
    const scopes = [repo('alice/expiry', 'pull')];
    const get = () => send(auth, registry.host, 'GET', url('/v2/alice/expiry/tags/list'), scopes);
    await get();
    assert.equal(tokens.requests.length, 1);
    clock += 60_000;
    await get();
    assert.equal(tokens.requests.length, 1, 'still fresh after a minute');
    clock += 60_000;
    await get();
    assert.equal(tokens.requests.length, 2, 'expired after two minutes');
  });

  test('expires_in missing means 60 seconds', async () => {
    let clock = Date.now();
    const auth = authFor({ username: 'alice', password: USERS.alice }, () => clock);
    tokens.options.expiresIn = null;
    const get = () =>
      send(auth, registry.host, 'GET', url('/v2/alice/default/tags/list'), [repo('alice/default', 'pull')]);
    await get();
    clock += 30_000;
    await get();
    assert.equal(tokens.requests.length, 1);
    clock += 31_000;
    await get();
    assert.equal(tokens.requests.length, 2);
  });

  for (const fields of ['access_token', 'token'] as const) {
    test(`a response carrying only "${fields}" works`, async () => {
      tokens.options.fields = fields;
      const reply = await send(alice(), registry.host, 'POST', url('/v2/alice/fields/blobs/uploads/'), [
        repo('alice/fields', 'pull', 'push'),
      ]);
      assert.equal(reply.status, 202);
    });
  }

  test('a cross-repository mount asks one token for push on the target and pull on the source', async () => {
    const auth = alice();
    const digest = await pushBlob(auth, 'alice/source', Buffer.from('shared layer'));
    tokens.requests.length = 0;
    const scopes = [repo('alice/target', 'pull', 'push'), repo('alice/source', 'pull')];
    const mount = await send(
      auth,
      registry.host,
      'POST',
      url(`/v2/alice/target/blobs/uploads/?mount=${digest}&from=alice/source`),
      scopes,
    );
    assert.equal(mount.status, 201, 'mounted, not a new upload');
    assert.deepEqual(tokens.requests.at(-1)?.scopes, [
      'repository:alice/source:pull',
      'repository:alice/target:pull,push',
    ]);
  });

  test('the catalog needs registry:catalog:*', async () => {
    const reply = await send(alice(), registry.host, 'GET', url('/v2/_catalog'), [
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    assert.equal(reply.status, 200);
    assert.ok(Array.isArray(JSON.parse(reply.text).repositories));
  });

  test('anonymous pull is allowed when the token service grants it; anonymous push is refused', async () => {
    tokens.options.anonymousPull = true;
    const auth = authFor();
    const pull = await send(auth, registry.host, 'GET', url('/v2/alice/app/tags/list'), [
      repo('alice/app', 'pull'),
    ]);
    assert.notEqual(pull.status, 401);
    assert.equal(tokens.requests[0]?.user, undefined);
    await assert.rejects(
      send(auth, registry.host, 'POST', url('/v2/alice/app/blobs/uploads/'), [
        repo('alice/app', 'pull', 'push'),
      ]),
      (err) => isOciError(err, 'UNAUTHORIZED'),
    );
  });

  test('anonymous access refused by the token service is UNAUTHORIZED asking to log in', async () => {
    await assert.rejects(
      send(authFor(), registry.host, 'GET', url('/v2/alice/app/tags/list'), [repo('alice/app', 'pull')]),
      (err) => isOciError(err, 'UNAUTHORIZED') && /requires authentication/.test(err.message),
    );
  });

  test('a pull-only user may pull but not push (insufficient scope)', async () => {
    const auth = authFor({ username: 'reader', password: USERS.reader });
    const pull = await send(auth, registry.host, 'GET', url('/v2/alice/app/tags/list'), [
      repo('alice/app', 'pull'),
    ]);
    assert.notEqual(pull.status, 401);
    await assert.rejects(
      send(auth, registry.host, 'POST', url('/v2/alice/app/blobs/uploads/'), [
        repo('alice/app', 'pull', 'push'),
      ]),
      (err) => isOciError(err, 'UNAUTHORIZED'),
    );
  });

  test('security: a wrong password is UNAUTHORIZED naming registry and user, never the password', async () => {
    const wrong = 'not-the-alice-password';
    const auth = authFor({ username: 'alice', password: wrong });
    await assert.rejects(send(auth, registry.host, 'GET', url('/v2/'), []), (err: unknown) => {
      assert.ok(isOciError(err, 'UNAUTHORIZED'));
      assert.match(
        err.message,
        new RegExp(`registry ${registry.host} rejected the credentials of user "alice"`),
      );
      assert.ok(!`${err.message} ${JSON.stringify(err.data)} ${err.stack}`.includes(wrong));
      return true;
    });
  });

  test('an identity token is exchanged with an OAuth2 POST (grant_type=refresh_token)', async () => {
    tokens.options.refreshTokens = { 'refresh-alice': 'alice' };
    const auth = authFor({ username: '', identityToken: 'refresh-alice' });
    const reply = await send(auth, registry.host, 'POST', url('/v2/alice/oauth/blobs/uploads/'), [
      repo('alice/oauth', 'pull', 'push'),
    ]);
    assert.equal(reply.status, 202);
    assert.deepEqual(
      tokens.requests.map((r) => [r.method, r.grantType, r.user, r.scopes]),
      [['POST', 'refresh_token', 'alice', ['repository:alice/oauth:pull,push']]],
    );
  });

  test('when the OAuth2 POST answers 404 the GET flow is used', async () => {
    const auth = authFor({ username: 'alice', password: USERS.alice, identityToken: 'unused' });
    const reply = await send(auth, registry.host, 'POST', url('/v2/alice/fallback/blobs/uploads/'), [
      repo('alice/fallback', 'pull', 'push'),
    ]);
    assert.equal(reply.status, 202);
    assert.deepEqual(
      tokens.requests.map((r) => [r.method, r.status, r.user]),
      [
        ['POST', 404, undefined],
        ['GET', 200, 'alice'],
      ],
    );
  });

  test('a refused identity token is UNAUTHORIZED', async () => {
    tokens.options.refreshTokens = { 'refresh-alice': 'alice' };
    const auth = authFor({ username: '', identityToken: 'stolen-or-stale' });
    await assert.rejects(send(auth, registry.host, 'GET', url('/v2/'), []), (err: unknown) => {
      assert.ok(isOciError(err, 'UNAUTHORIZED'));
      assert.ok(!err.message.includes('stolen-or-stale'));
      return true;
    });
  });
});
