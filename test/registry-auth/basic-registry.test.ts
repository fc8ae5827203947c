/** Basic auth against a real Distribution registry with an htpasswd file, through RegistryClient. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, type TestContext, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { isOciError, type OciError } from '../../src/errors/index.ts';
import {
  basicAuthorization,
  createAuthenticator,
  memoryCredentialStore,
} from '../../src/transports/registry/auth/index.ts';
import { RegistryClient } from '../../src/transports/registry/client.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';

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

  /** A RegistryClient for `host` (default the registry) holding `credential`, closed after the test. */
  const clientWith = (
    t: TestContext,
    credential?: { username: string; password: string },
    host = registry.host,
  ): RegistryClient => {
    const authenticator = createAuthenticator({
      credentials: memoryCredentialStore(credential ? { [host]: credential } : {}),
    });
    const client = new RegistryClient(host, { authenticator });
    t.after(() => client.close());
    return client;
  };

  const blob = () => {
    const bytes = randomBytes(1000);
    return { bytes, descriptor: { digest: digestBytes(bytes), size: bytes.byteLength } };
  };

  test('anonymous access is refused with UNAUTHORIZED naming the registry', async (t) => {
    await assert.rejects(clientWith(t).ping(), (err: OciError) => {
      assert.equal(err.code, 'UNAUTHORIZED');
      assert.match(err.message, new RegExp(`registry ${registry.host} requires authentication`));
      return true;
    });
  });

  test('right credentials: /v2/, the catalog and a blob push succeed', async (t) => {
    const client = clientWith(t, { username: user, password });
    await client.ping();
    assert.ok(Array.isArray(await client.catalog()));
    const { bytes, descriptor } = blob();
    await client.pushBlob('team/app', descriptor, bytes);
    assert.equal((await client.headBlob('team/app', descriptor.digest))?.size, descriptor.size);
  });

  test('after the first challenge, requests carry Basic credentials without another 401', async (t) => {
    const proxy = await startFaultProxy(registry.host);
    t.after(() => proxy.stop());
    const client = clientWith(t, { username: user, password }, proxy.host);
    await client.ping();
    await client.catalog();
    await client.catalog();
    assert.equal(await client.headBlob('team/none', blob().descriptor.digest), undefined);
    const seen = proxy.seen.map((r) => `${r.method} ${r.path.split('?')[0]} ${r.status}`);
    assert.deepEqual(
      proxy.seen.map((r) => r.status === 401),
      proxy.seen.map((_, i) => i === 0),
      `only the first request is challenged: ${seen.join(', ')}`,
    );
    const basic = basicAuthorization(user, password);
    assert.ok(
      proxy.seen.slice(1).every((r) => r.authorization === basic),
      'every later request carries the Basic credentials',
    );
    assert.equal(proxy.seen.length, 5, seen.join(', '));
  });

  test('concurrent first requests all succeed (no false "wrong credentials")', async (t) => {
    const client = clientWith(t, { username: user, password });
    const listings = await Promise.all(Array.from({ length: 8 }, () => client.catalog()));
    assert.equal(listings.length, 8);
    for (const listing of listings) assert.ok(Array.isArray(listing));
  });

  test('security: a wrong password is UNAUTHORIZED naming registry and user, never the password', async (t) => {
    const wrong = `wrong-${password}`;
    await assert.rejects(clientWith(t, { username: user, password: wrong }).ping(), (err: unknown) => {
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
    const auth = createAuthenticator({
      credentials: memoryCredentialStore({ [registry.host]: { username: user, password: 'nope' } }),
    });
    const www = 'Basic realm="test-realm"';
    assert.equal(await auth.challenge(registry.host, www, []), true);
    assert.match((await auth.authorize(registry.host, [])) ?? '', /^Basic /);
    await assert.rejects(auth.challenge(registry.host, www, []), (err) => isOciError(err, 'UNAUTHORIZED'));
  });
});
