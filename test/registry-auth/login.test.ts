/** login verifies credentials against a real registry before saving them; logout removes them. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import {
  createAuthenticator,
  createDockerCredentialStore,
  login,
  logout,
} from '../../src/transports/registry/auth/index.ts';
import { RegistryClient } from '../../src/transports/registry/client.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { scratch } from '../helpers/tmp.ts';
import { startTokenServer, type TokenServer } from '../helpers/token-server.ts';
import { writeCredentialHelper } from './helper-script.ts';

async function dockerConfig(t: Parameters<typeof scratch>[0]) {
  const dir = await scratch(t, 'ocikit-login-');
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const env = { DOCKER_CONFIG: join(dir, 'docker'), PATH: `${bin}:${process.env.PATH ?? ''}` };
  return { dir, bin, path: join(dir, 'docker', 'config.json'), store: createDockerCredentialStore({ env }) };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('login / logout against a registry with htpasswd', () => {
  let registry: RunningRegistry;
  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
  });
  after(() => registry.stop());

  test('login verifies, saves base64 auth in a 0600 file, and the saved credentials work', async (t) => {
    const { path, store } = await dockerConfig(t);
    const { username, password } = registry.credentials!;
    await login(registry.host, username, password, { store });
    const saved = JSON.parse(await readFile(path, 'utf8'));
    assert.deepEqual(saved.auths[registry.host], {
      auth: Buffer.from(`${username}:${password}`).toString('base64'),
    });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    const auth = createAuthenticator({ credentials: store });
    const client = new RegistryClient(registry.host, { authenticator: auth });
    t.after(() => client.close());
    assert.ok(Array.isArray(await client.catalog()));
    assert.equal(await logout(registry.host, { store }), true);
    assert.equal(JSON.parse(await readFile(path, 'utf8')).auths[registry.host], undefined);
    assert.equal(await logout(registry.host, { store }), false);
  });

  test('security: login with a wrong password is UNAUTHORIZED and saves nothing', async (t) => {
    const { path, store } = await dockerConfig(t);
    const wrong = 'definitely-wrong-password';
    await assert.rejects(
      login(registry.host, registry.credentials!.username, wrong, { store }),
      (err: unknown) => {
        assert.ok(isOciError(err, 'UNAUTHORIZED'));
        assert.ok(
          err.message.includes(registry.host) && err.message.includes(registry.credentials!.username),
        );
        assert.ok(!`${err.message}${JSON.stringify(err.data)}`.includes(wrong));
        return true;
      },
    );
    assert.equal(await exists(path), false);
  });

  test('login saves to the configured credential helper, not the file', async (t) => {
    const { bin, path, store, dir } = await dockerConfig(t);
    const db = await writeCredentialHelper(bin, 'testhelper');
    await mkdir(join(dir, 'docker'));
    await writeFile(path, JSON.stringify({ credHelpers: { [registry.host]: 'testhelper' } }));
    const { username, password } = registry.credentials!;
    await login(registry.host, username, password, { store });
    assert.equal(await readFile(db, 'utf8'), `${registry.host}\t${username}\t${password}\n`);
    assert.ok(
      !(await readFile(path, 'utf8')).includes(Buffer.from(`${username}:${password}`).toString('base64')),
    );
    assert.equal(await logout(registry.host, { store }), true);
    assert.equal(await readFile(db, 'utf8'), '');
  });

  test('login rejects unusable input before any request', async () => {
    await assert.rejects(login(registry.host, 'a:b', 'pw'), (err) => isOciError(err, 'INVALID_ARGUMENT'));
    await assert.rejects(login(registry.host, 'user', ''), (err) => isOciError(err, 'INVALID_ARGUMENT'));
    await assert.rejects(login('bad host/with space', 'u', 'p'), (err) =>
      isOciError(err, 'INVALID_ARGUMENT'),
    );
  });
});

describe('login against a registry with token auth', () => {
  let tokens: TokenServer;
  let registry: RunningRegistry;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ocikit-login-token-'));
    tokens = await startTokenServer(dir, { users: { erin: 'erin-pw' } });
    registry = await startRegistry({ auth: { token: tokens } });
  });
  after(async () => {
    await registry?.stop();
    await tokens?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the token fetch must succeed before the credentials are saved', async (t) => {
    const { path, store } = await dockerConfig(t);
    await login(registry.host, 'erin', 'erin-pw', { store });
    assert.ok(tokens.requests.some((r) => r.user === 'erin' && r.status === 200));
    assert.deepEqual(await store.get(registry.host), {
      username: 'erin',
      password: 'erin-pw',
      source: { description: `from ${path}`, remedy: `ocikit login ${registry.host}` },
    });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  test('security: a refused token request saves nothing', async (t) => {
    const { path, store } = await dockerConfig(t);
    await assert.rejects(login(registry.host, 'erin', 'wrong-pw', { store }), (err) =>
      isOciError(err, 'UNAUTHORIZED'),
    );
    assert.equal(await exists(path), false);
  });
});
