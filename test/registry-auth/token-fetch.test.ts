/**
 * Token realm safety and hostile token services. The realm checks run before any request (a
 * recording fetcher proves nothing was sent); the faults a real token server never produces come
 * from a small HTTP server on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import {
  createAuthenticator,
  createTokenFetcher,
  memoryCredentialStore,
  type TokenRequest,
} from '../../src/transports/registry/auth/index.ts';

const HOST = 'registry.example.test';
const creds = { [HOST]: { username: 'u', password: 'pw-secret' } };

function recording() {
  const calls: TokenRequest[] = [];
  const fetchToken = async (req: TokenRequest) => {
    calls.push(req);
    return { token: `t${calls.length}`, expiresIn: 300 };
  };
  return { calls, fetchToken };
}

describe('token realm checks', () => {
  for (const realm of [
    'ftp://auth.example.test/token',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'not a url',
  ]) {
    test(`security: realm ${realm} is refused before any request`, async () => {
      const { calls, fetchToken } = recording();
      const auth = createAuthenticator({ credentials: memoryCredentialStore(creds), fetchToken });
      await assert.rejects(auth.challenge(HOST, `Bearer realm="${realm}",service="s"`, []), (err) =>
        isOciError(err, 'REGISTRY_ERROR'),
      );
      assert.equal(calls.length, 0);
    });
  }

  test('security: a realm with embedded credentials is refused', async () => {
    const { calls, fetchToken } = recording();
    const auth = createAuthenticator({ credentials: memoryCredentialStore(creds), fetchToken });
    await assert.rejects(
      auth.challenge(HOST, 'Bearer realm="https://x:y@auth.example.test/token"', []),
      (err) => isOciError(err, 'REGISTRY_ERROR'),
    );
    assert.equal(calls.length, 0);
  });

  test('a Bearer challenge without realm is a REGISTRY_ERROR', async () => {
    const auth = createAuthenticator({ credentials: memoryCredentialStore(creds), ...recording() });
    await assert.rejects(auth.challenge(HOST, 'Bearer service="s"', []), (err) =>
      isOciError(err, 'REGISTRY_ERROR'),
    );
  });

  test('security: credentials never go over plain HTTP to a non-loopback realm', async () => {
    const { calls, fetchToken } = recording();
    const auth = createAuthenticator({ credentials: memoryCredentialStore(creds), fetchToken });
    await assert.rejects(
      auth.challenge(HOST, 'Bearer realm="http://auth.example.test/token",service="s"', []),
      (err) =>
        isOciError(err, 'UNAUTHORIZED') &&
        /plain HTTP/.test(err.message) &&
        !err.message.includes('pw-secret'),
    );
    assert.equal(calls.length, 0);
  });

  test('plain HTTP realms are fine anonymously, on loopback, or for hosts marked insecure', async () => {
    const anonymous = recording();
    await createAuthenticator({
      credentials: memoryCredentialStore(),
      fetchToken: anonymous.fetchToken,
    }).challenge(HOST, 'Bearer realm="http://auth.example.test/token"', []);
    assert.equal(anonymous.calls[0]?.credential, undefined);
    for (const realm of ['http://127.0.0.1:1/token', 'http://localhost/token', 'http://[::1]:5/token']) {
      const loopback = recording();
      await createAuthenticator({
        credentials: memoryCredentialStore(creds),
        fetchToken: loopback.fetchToken,
      }).challenge(HOST, `Bearer realm="${realm}"`, []);
      assert.equal(loopback.calls.length, 1, realm);
    }
    const insecure = recording();
    await createAuthenticator({
      credentials: memoryCredentialStore(creds),
      fetchToken: insecure.fetchToken,
      insecureHosts: ['auth.example.test'],
    }).challenge(HOST, 'Bearer realm="http://auth.example.test/token"', []);
    assert.equal(insecure.calls[0]?.credential?.username, 'u');
  });

  test('the challenge scope widens the request scopes, also for later authorize calls', async () => {
    const { calls, fetchToken } = recording();
    const auth = createAuthenticator({ credentials: memoryCredentialStore(creds), fetchToken });
    const mine = [{ type: 'repository' as const, name: 'a', actions: ['pull'] }];
    await auth.challenge(
      HOST,
      'Bearer realm="https://auth.example.test/token",service="svc",scope="repository:a:push repository:localhost:5000/b:pull"',
      mine,
    );
    assert.deepEqual(calls[0]?.scopes, ['repository:a:pull,push', 'repository:localhost:5000/b:pull']);
    assert.equal(calls[0]?.service, 'svc');
    assert.equal(await auth.authorize(HOST, mine), 'Bearer t1');
    assert.equal(calls.length, 1);
  });

  test('a Basic challenge without stored credentials is UNAUTHORIZED; unknown schemes give false', async () => {
    const auth = createAuthenticator({ credentials: memoryCredentialStore(), ...recording() });
    assert.equal(await auth.challenge(HOST, 'Negotiate abc==', []), false);
    await assert.rejects(auth.challenge(HOST, 'Basic realm="r"', []), (err) =>
      isOciError(err, 'UNAUTHORIZED'),
    );
    assert.equal(await auth.authorize(HOST, []), undefined);
  });

  test('a token request another request already renewed is not fetched again', async () => {
    const { calls, fetchToken } = recording();
    const auth = createAuthenticator({ credentials: memoryCredentialStore(creds), fetchToken });
    const www = 'Bearer realm="https://auth.example.test/token"';
    await auth.challenge(HOST, www, [], undefined, null);
    assert.equal(calls.length, 1);
    assert.equal(
      await auth.challenge(HOST, www, [], undefined, null),
      true,
      'the anonymous request may retry',
    );
    assert.equal(calls.length, 1);
    assert.equal(await auth.challenge(HOST, www, [], undefined, 'Bearer t1'), true);
    assert.equal(calls.length, 2, 'the refused token itself is replaced');
  });
});

describe('hostile token services', () => {
  let reply: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  let realm = '';
  const server = createServer((req, res) => reply(req, res));
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    realm = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fetchToken = createTokenFetcher();
  const request = (): TokenRequest => ({
    registryHost: HOST,
    realm: new URL(realm),
    scopes: [],
    clientId: 'ocikit',
  });
  const answer = (status: number, body: string | Buffer) => {
    reply = (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
  };

  for (const [name, body] of [
    ['not JSON', '<html>'],
    ['no token', '{"expires_in": 60}'],
    ['an array', '[]'],
    ['a token with a newline', '{"token": "abc\\r\\nX-Injected: 1"}'],
  ] as const) {
    test(`a response with ${name} is a REGISTRY_ERROR`, async () => {
      answer(200, body);
      await assert.rejects(fetchToken(request()), (err) => isOciError(err, 'REGISTRY_ERROR'));
    });
  }

  test('a response larger than 1 MiB is TOO_LARGE', async () => {
    answer(200, Buffer.alloc(2 * 1024 * 1024, 0x20));
    await assert.rejects(fetchToken(request()), (err) => isOciError(err, 'TOO_LARGE'));
  });

  test('a 503 is a retryable REGISTRY_ERROR; a 401 is UNAUTHORIZED', async () => {
    answer(503, '');
    await assert.rejects(fetchToken(request()), (err) => isOciError(err, 'REGISTRY_ERROR') && err.retryable);
    answer(401, '');
    await assert.rejects(fetchToken(request()), (err) => isOciError(err, 'UNAUTHORIZED'));
  });

  test('a redirect is not followed', async () => {
    answer(302, '');
    await assert.rejects(fetchToken(request()), (err) => isOciError(err, 'REGISTRY_ERROR'));
  });

  test('defaults: expires_in 60 when absent or invalid; issued_at parsed; the access_token alone is enough', async () => {
    answer(200, '{"access_token": "a1", "expires_in": -5, "issued_at": "2020-01-01T00:00:00Z"}');
    const result = await fetchToken(request());
    assert.equal(result.token, 'a1');
    assert.equal(result.expiresIn, 60);
    assert.equal(result.issuedAt?.toISOString(), '2020-01-01T00:00:00.000Z');
  });

  test('one scope parameter per scope, and the service', async () => {
    let seen = '';
    reply = (req, res) => {
      seen = req.url ?? '';
      res.end('{"token":"x"}');
    };
    await fetchToken({ ...request(), service: 'svc', scopes: ['repository:a:pull', 'registry:catalog:*'] });
    const params = new URL(seen, 'http://h').searchParams;
    assert.equal(params.get('service'), 'svc');
    assert.deepEqual(params.getAll('scope'), ['repository:a:pull', 'registry:catalog:*']);
  });

  test('a closed connection is a retryable NETWORK_ERROR', async () => {
    reply = (req) => req.socket.destroy();
    await assert.rejects(fetchToken(request()), (err) => isOciError(err, 'NETWORK_ERROR') && err.retryable);
  });
});

test('tokens of a previous token service are dropped when the realm changes', async () => {
  const { calls, fetchToken } = recording();
  const auth = createAuthenticator({ credentials: memoryCredentialStore(creds), fetchToken });
  await auth.challenge(HOST, 'Bearer realm="https://one.example.test/token"', []);
  assert.equal(await auth.authorize(HOST, []), 'Bearer t1');
  await auth.challenge(HOST, 'Bearer realm="https://two.example.test/token"', [], undefined, 'Bearer t1');
  assert.equal(calls[1]?.realm.host, 'two.example.test');
  assert.equal(await auth.authorize(HOST, []), 'Bearer t2');
});
