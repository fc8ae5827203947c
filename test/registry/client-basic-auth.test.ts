/** The client behind a real registry with htpasswd auth: challenge, retry with credentials, refusal. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { createAuthenticator, memoryCredentialStore } from '../../src/transports/registry/auth/index.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { clientFor, collect, makeImage, pushImage } from './fixture.ts';

let registry: RunningRegistry;
before(async () => {
  registry = await startRegistry({ auth: 'htpasswd' });
});
after(() => registry?.stop());

describe('registry client with htpasswd auth', () => {
  test('anonymous requests are refused with UNAUTHORIZED', async (t) => {
    await assert.rejects(clientFor(t, registry.host).ping(), (err) =>
      isOciError(err, ErrorCode.UNAUTHORIZED),
    );
  });

  test('after a Basic challenge the request is sent again with credentials and succeeds', async (t) => {
    const { username, password } = registry.credentials!;
    const auth = createAuthenticator({
      credentials: memoryCredentialStore({ [registry.host]: { username, password } }),
    });
    const client = clientFor(t, registry.host, auth);
    const image = makeImage([500]);
    await pushImage(client, 'auth/app', image, 'v1');
    const fetched = await client.getManifest('auth/app', 'v1');
    assert.equal(fetched.digest, image.manifestDigest);
    const layer = image.layers[0]!;
    assert.deepEqual(await collect(await client.getBlob('auth/app', layer.descriptor)), layer.bytes);
  });

  test('wrong credentials end in UNAUTHORIZED without leaking the password', async (t) => {
    const auth = createAuthenticator({
      credentials: memoryCredentialStore({
        [registry.host]: { username: 'tester', password: 'wrong-password-123' },
      }),
    });
    await assert.rejects(clientFor(t, registry.host, auth).getManifest('auth/app', 'v1'), (err) => {
      assert.ok(isOciError(err, ErrorCode.UNAUTHORIZED));
      assert.ok(!JSON.stringify({ m: err.message, d: err.data }).includes('wrong-password-123'));
      return true;
    });
  });
});
