/** Basic auth against a real Distribution registry with an htpasswd file. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isOciError, type OciError } from '../../src/errors/index.ts';
import { createAuthenticator, memoryCredentialStore } from '../../src/transports/registry/auth/index.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { send } from './client.ts';

const catalog = [{ type: 'registry' as const, name: 'catalog', actions: ['*'] }];
const push = [{ type: 'repository' as const, name: 'team/app', actions: ['pull', 'push'] }];

describe('Basic auth with a real registry (htpasswd)', () => {
  let registry: RunningRegistry;
  let user: string;
  let password: string;
  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    assert.ok(registry.credentials);
    user = registry.credentials.username;
    password = registry.credentials.password;
  });
  after(() => registry.stop());

  const authWith = (credential?: { username: string; password: string }) =>
    createAuthenticator({
      credentials: memoryCredentialStore(credential ? { [registry.host]: credential } : {}),
    });

  test('anonymous access is refused with UNAUTHORIZED naming the registry', async () => {
    const auth = authWith();
    await assert.rejects(send(auth, registry.host, 'GET', `${registry.url}/v2/`, []), (err: OciError) => {
      assert.equal(err.code, 'UNAUTHORIZED');
      assert.match(err.message, new RegExp(`registry ${registry.host} requires authentication`));
      return true;
    });
  });

  test('right credentials: /v2/, the catalog and an upload start succeed', async () => {
    const auth = authWith({ username: user, password });
    assert.equal((await send(auth, registry.host, 'GET', `${registry.url}/v2/`, [])).status, 200);
    const listing = await send(auth, registry.host, 'GET', `${registry.url}/v2/_catalog`, catalog);
    assert.equal(listing.status, 200);
    assert.deepEqual(JSON.parse(listing.text), { repositories: [] });
    const upload = await send(
      auth,
      registry.host,
      'POST',
      `${registry.url}/v2/team/app/blobs/uploads/`,
      push,
    );
    assert.equal(upload.status, 202);
  });

  test('after the first challenge, requests carry Basic credentials without another 401', async () => {
    const auth = authWith({ username: user, password });
    await send(auth, registry.host, 'GET', `${registry.url}/v2/`, []);
    const header = await auth.authorize(registry.host, []);
    assert.equal(header, `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
  });

  test('concurrent first requests all succeed (no false "wrong credentials")', async () => {
    const auth = authWith({ username: user, password });
    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        send(auth, registry.host, 'GET', `${registry.url}/v2/_catalog`, catalog),
      ),
    );
    assert.deepEqual(
      replies.map((r) => r.status),
      Array(8).fill(200),
    );
  });

  test('security: a wrong password is UNAUTHORIZED naming registry and user, never the password', async () => {
    const wrong = `wrong-${password}`;
    const auth = authWith({ username: user, password: wrong });
    await assert.rejects(send(auth, registry.host, 'GET', `${registry.url}/v2/`, []), (err: unknown) => {
      assert.ok(isOciError(err, 'UNAUTHORIZED'));
      assert.match(
        err.message,
        new RegExp(`registry ${registry.host} rejected the credentials of user "${user}"`),
      );
      const everything = `${err.message} ${JSON.stringify(err.data)} ${err.stack}`;
      assert.ok(!everything.includes(wrong), 'the password must not appear');
      assert.ok(
        !everything.includes(Buffer.from(`${user}:${wrong}`).toString('base64')),
        'nor its Basic form',
      );
      assert.deepEqual(err.data, { registry: registry.host, user });
      return true;
    });
  });

  test('the agreed four-argument challenge also reports wrong credentials on the next 401', async () => {
    const auth = authWith({ username: user, password: 'nope' });
    const www = 'Basic realm="test-realm"';
    assert.equal(await auth.challenge(registry.host, www, []), true);
    assert.match((await auth.authorize(registry.host, [])) ?? '', /^Basic /);
    await assert.rejects(auth.challenge(registry.host, www, []), (err) => isOciError(err, 'UNAUTHORIZED'));
  });
});
