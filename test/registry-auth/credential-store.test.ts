/** Docker config.json credentials: auths, key normalisation, DOCKER_CONFIG, and real credential helpers. */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import {
  type CredentialStore,
  createDockerCredentialStore,
  DOCKER_HUB_KEY,
  dockerConfigPath,
  helperGet,
} from '../../src/transports/registry/auth/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeCredentialHelper } from './helper-script.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

async function configDir(t: Parameters<typeof scratch>[0], config: unknown) {
  const dir = await scratch(t, 'ocikit-dockercfg-');
  const bin = join(dir, 'bin');
  await mkdir(bin);
  if (config !== undefined) await writeFile(join(dir, 'config.json'), JSON.stringify(config));
  const env = { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: dir };
  const described = createDockerCredentialStore({ env });
  // Most tests compare the credentials alone, without where they were found.
  const store: CredentialStore = {
    ...described,
    get: async (host) => {
      const found = await described.get(host);
      if (found !== undefined) delete found.source;
      return found;
    },
  };
  return { dir, bin, env, store, described };
}

describe('Docker config.json credentials', () => {
  test('DOCKER_CONFIG names the folder; otherwise ~/.docker', () => {
    assert.equal(dockerConfigPath({ DOCKER_CONFIG: '/cfg' }), '/cfg/config.json');
    assert.equal(dockerConfigPath({ HOME: '/home/u' }), '/home/u/.docker/config.json');
  });

  test('auths: base64 user:password, username/password fields, identity tokens, colons in passwords', async (t) => {
    const { store, described, dir } = await configDir(t, {
      auths: {
        'registry.example.test:5000': { auth: b64('ann:pa:ss:word') },
        'https://legacy.example.test/v1/': { username: 'bob', password: 'bobpw' },
        'tokens.example.test': { auth: '', identitytoken: 'refresh-xyz' },
        [DOCKER_HUB_KEY]: { auth: b64('hubuser:hubpw') },
      },
    });
    assert.deepEqual(await described.get('registry.example.test:5000'), {
      username: 'ann',
      password: 'pa:ss:word',
      source: {
        description: `from ${join(dir, 'config.json')}`,
        remedy: 'ocikit login registry.example.test:5000',
      },
    });

    assert.deepEqual(await store.get('legacy.example.test'), { username: 'bob', password: 'bobpw' });
    assert.deepEqual(await store.get('tokens.example.test'), { username: '', identityToken: 'refresh-xyz' });
    for (const hub of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) {
      assert.deepEqual(await store.get(hub), { username: 'hubuser', password: 'hubpw' }, hub);
    }
    assert.equal(await store.get('registry.example.test'), undefined, 'the port is part of the key');
    assert.equal(await store.get('unknown.example.test'), undefined);
  });

  test('a missing config file means no credentials', async (t) => {
    const { store } = await configDir(t, undefined);
    assert.equal(await store.get('registry.example.test'), undefined);
  });

  test('security: a broken config is INVALID_DOCUMENT without echoing its content', async (t) => {
    const { dir, store } = await configDir(t, undefined);
    await writeFile(join(dir, 'config.json'), '{"auths": {"h": {"auth": "c2VjcmV0LXZhbHVl" ');
    await assert.rejects(
      store.get('h'),
      (err) => isOciError(err, 'INVALID_DOCUMENT') && !err.message.includes('c2VjcmV0'),
    );
    await writeFile(
      join(dir, 'config.json'),
      JSON.stringify({ auths: { h: { auth: b64('no-colon-secret') } } }),
    );
    await assert.rejects(
      store.get('h'),
      (err) =>
        isOciError(err, 'INVALID_DOCUMENT') &&
        !err.message.includes('no-colon-secret') &&
        !JSON.stringify(err.data).includes('no-colon-secret'),
    );
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { h: { auth: 42 } } }));
    await assert.rejects(store.get('h'), (err) => isOciError(err, 'INVALID_DOCUMENT'));
  });

  test('store writes base64 auth with mode 0600 atomically and keeps other keys; erase removes it', async (t) => {
    const { dir, store } = await configDir(t, {
      auths: { 'other.test': { auth: b64('o:p') } },
      psFormat: 'table',
    });
    await store.store('registry.example.test:5000', 'ann', 's3cret');
    const path = join(dir, 'config.json');
    const written = JSON.parse(await readFile(path, 'utf8'));
    assert.deepEqual(written, {
      auths: {
        'other.test': { auth: b64('o:p') },
        'registry.example.test:5000': { auth: b64('ann:s3cret') },
      },
      psFormat: 'table',
    });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f !== 'bin'),
      ['config.json'],
      'no temp files left',
    );
    assert.equal(await store.erase('registry.example.test:5000'), true);
    assert.equal(await store.get('registry.example.test:5000'), undefined);
    assert.equal(await store.erase('registry.example.test:5000'), false);
    assert.ok(JSON.parse(await readFile(path, 'utf8')).auths['other.test']);
  });

  test('Docker Hub is stored under https://index.docker.io/v1/', async (t) => {
    const { dir, store } = await configDir(t, undefined);
    await store.store('docker.io', 'hubuser', 'hubpw');
    const written = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(Object.keys(written.auths), [DOCKER_HUB_KEY]);
    assert.equal((await stat(dir)).isDirectory(), true);
  });

  test('an identity token (user <token>) is stored as identitytoken', async (t) => {
    const { dir, store } = await configDir(t, undefined);
    await store.store('tokens.example.test', '<token>', 'refresh-1');
    const written = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    assert.deepEqual(written.auths, { 'tokens.example.test': { identitytoken: 'refresh-1' } });
    assert.deepEqual(await store.get('tokens.example.test'), { username: '', identityToken: 'refresh-1' });
  });

  test('credHelpers route one registry to a real helper program: store, get, erase', async (t) => {
    const { dir, bin, store } = await configDir(t, { credHelpers: { 'helped.example.test': 'testhelper' } });
    const db = await writeCredentialHelper(bin, 'testhelper');
    await store.store('helped.example.test', 'carol', 'carol-secret');
    assert.equal(await readFile(db, 'utf8'), 'helped.example.test\tcarol\tcarol-secret\n');
    const config = await readFile(join(dir, 'config.json'), 'utf8');
    assert.ok(!config.includes('carol-secret'), 'the secret stays in the helper');
    assert.deepEqual(JSON.parse(config).auths, { 'helped.example.test': {} });
    assert.deepEqual(await store.get('helped.example.test'), { username: 'carol', password: 'carol-secret' });
    await store.store('plain.example.test', 'dave', 'dave-pw');
    assert.ok(
      (await readFile(join(dir, 'config.json'), 'utf8')).includes(b64('dave:dave-pw')),
      'others use auths',
    );
    assert.equal(await store.erase('helped.example.test'), true);
    assert.equal(await readFile(db, 'utf8'), '');
    assert.equal(await store.get('helped.example.test'), undefined);
  });

  test('credsStore serves every registry; credHelpers take precedence; <token> means identity token', async (t) => {
    const { bin, store } = await configDir(t, {
      credsStore: 'storeall',
      credHelpers: { 'special.example.test': 'special' },
    });
    const allDb = await writeCredentialHelper(bin, 'storeall');
    const specialDb = await writeCredentialHelper(bin, 'special');
    await writeFile(allDb, `${DOCKER_HUB_KEY}\thub\thub-secret\na.example.test\t<token>\tidentity-1\n`);
    await writeFile(specialDb, 'special.example.test\tsam\tsam-secret\n');
    assert.deepEqual(await store.get('docker.io'), { username: 'hub', password: 'hub-secret' });
    assert.deepEqual(await store.get('a.example.test'), { username: '', identityToken: 'identity-1' });
    assert.deepEqual(await store.get('special.example.test'), { username: 'sam', password: 'sam-secret' });
    assert.equal(await store.get('none.example.test'), undefined);
  });

  test('a helper that is not installed is NOT_FOUND naming it', async (t) => {
    const { store } = await configDir(t, { credsStore: 'absent' });
    await assert.rejects(
      store.get('x.example.test'),
      (err) => isOciError(err, 'NOT_FOUND') && err.message.includes('docker-credential-absent'),
    );
  });

  test('security: a helper name that could escape PATH is refused', async (t) => {
    const { store } = await configDir(t, { credHelpers: { 'x.example.test': '../../bin/sh' } });
    await assert.rejects(store.get('x.example.test'), (err) => isOciError(err, 'INVALID_ARGUMENT'));
  });

  test('security: a failing helper store never echoes the secret', async (t) => {
    const { bin, env } = await configDir(t, { credsStore: 'testhelper' });
    await writeCredentialHelper(bin, 'testhelper');
    const store = createDockerCredentialStore({ env });
    await assert.rejects(store.store('x.example.test', 'fail-store', 'top-secret-value'), (err: unknown) => {
      assert.ok(isOciError(err, 'IO_ERROR'));
      assert.match(err.message, /docker-credential-testhelper store failed/);
      assert.ok(!err.message.includes('top-secret-value'));
      return true;
    });
  });

  test('helperGet reads a helper answer directly', async (t) => {
    const { bin, env } = await configDir(t, undefined);
    const db = await writeCredentialHelper(bin, 'direct');
    await writeFile(db, 'h.test\tu\tp\n');
    assert.deepEqual(await helperGet('direct', 'h.test', { env }), { username: 'u', password: 'p' });
    assert.equal(await helperGet('direct', 'other.test', { env }), undefined);
  });
});
