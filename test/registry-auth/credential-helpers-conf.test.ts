/**
 * registries.conf `credential-helpers` (containers-registries.conf(5)): the stores credentials are
 * looked for in, in order, `containers-auth.json` standing for the auth files. Against a real
 * registry with htpasswd, with a real helper program (a bash script speaking the protocol).
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { buildImage, isolatedHome, skopeoPush, writeAuthFile } from './cli-env.ts';
import { writeCredentialHelper } from './helper-script.ts';

describe('registries.conf credential-helpers (CLI, htpasswd registry, a helper program)', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let registry: RunningRegistry;
  let user: string;
  let password: string;
  let image: string;
  let bin: string;

  before(async () => {
    dir = await makeDir();
    registry = await startRegistry({ auth: 'htpasswd' });
    assert.ok(registry.credentials);
    ({ username: user, password } = registry.credentials);
    await skopeoPush(await buildImage(dir), `${registry.host}/team/app:1`, `${user}:${password}`);
    image = `${registry.host}/team/app:1`;
    bin = join(dir, 'bin');
    await mkdir(bin);
  });
  after(() => registry?.stop());

  /** A helper `name` holding `secret` for the registry; its database file. */
  async function helper(name: string, secret: string | undefined): Promise<string> {
    const db = await writeCredentialHelper(bin, name);
    await writeFile(db, secret === undefined ? '' : `${registry.host}\t${user}\t${secret}\n`);
    return db;
  }

  async function conf(name: string, helpers: string[]): Promise<string> {
    const file = join(dir, `${name}.conf`);
    await writeFile(file, `credential-helpers = ${JSON.stringify(helpers)}\n`);
    return file;
  }

  test('the listed stores are asked in order: the first that holds credentials answers', async (t) => {
    const h = await isolatedHome(t);
    const env = { ...h.env, PATH: `${bin}:${process.env.PATH}` };
    await writeAuthFile(h.configAuth, registry.host, user, 'wrong-auth-file-password');
    await helper('vault', password);
    const digest = (args: string[]) => ocikit([...args, 'digest', image], { env });
    // Without the setting, the auth files alone: their wrong password is refused, naming the file.
    const plain = await digest([]);
    assert.equal(plain.code, 1);
    assert.ok(plain.stderr.includes(h.configAuth), plain.stderr);
    // The helper alone: the auth files are not read.
    const viaHelper = await digest(['--registries-conf', await conf('vault', ['vault'])]);
    assert.equal(viaHelper.code, 0, viaHelper.stderr);
    // The helper first, then the auth files.
    const helperFirst = await digest([
      '--registries-conf',
      await conf('vault-first', ['vault', 'containers-auth.json']),
    ]);
    assert.equal(helperFirst.code, 0, helperFirst.stderr);
    // The auth files first: they hold the registry, so their (wrong) password is the one tried.
    const filesFirst = await digest([
      '--registries-conf',
      await conf('files-first', ['containers-auth.json', 'vault']),
    ]);
    assert.equal(filesFirst.code, 1);
    assert.ok(filesFirst.stderr.includes(h.configAuth), filesFirst.stderr);
  });

  test('a listed helper that is not installed is passed over; alone, its absence is the error', async (t) => {
    const h = await isolatedHome(t);
    const env = { ...h.env, PATH: `${bin}:${process.env.PATH}` };
    await writeAuthFile(h.configAuth, registry.host, user, password);
    const passed = await ocikit(
      [
        '--registries-conf',
        await conf('missing-then-files', ['missing', 'containers-auth.json']),
        'digest',
        image,
      ],
      { env },
    );
    assert.equal(passed.code, 0, passed.stderr);
    const alone = await ocikit(['--registries-conf', await conf('missing', ['missing']), 'digest', image], {
      env,
    });
    assert.equal(alone.code, 1);
    assert.match(alone.stderr, /docker-credential-missing is not installed/);
  });

  test('login saves to the first listed store that accepts, logout erases from every one', async (t) => {
    const h = await isolatedHome(t);
    const env = { ...h.env, PATH: `${bin}:${process.env.PATH}` };
    const db = await helper('keyring', undefined);
    const file = await conf('keyring', ['keyring', 'containers-auth.json']);
    const login = await ocikit(
      ['--registries-conf', file, 'login', '-u', user, '-p', password, registry.host],
      {
        env,
      },
    );
    assert.equal(login.code, 0, login.stderr);
    assert.equal(await readFile(db, 'utf8'), `${registry.host}\t${user}\t${password}\n`);
    await assert.rejects(readFile(h.dockerConfig), { code: 'ENOENT' });
    const pulled = await ocikit(['--registries-conf', file, 'digest', image], { env });
    assert.equal(pulled.code, 0, pulled.stderr);
    const logout = await ocikit(['--registries-conf', file, 'logout', registry.host], { env });
    assert.equal(logout.code, 0, logout.stderr);
    assert.equal(await readFile(db, 'utf8'), '');
  });

  test('logout clears every listed store, even past one that fails', async (t) => {
    const h = await isolatedHome(t);
    const env = { ...h.env, PATH: `${bin}:${process.env.PATH}` };
    await writeAuthFile(h.dockerConfig, registry.host, user, password);
    const file = await conf('missing-first', ['missing', 'containers-auth.json']);
    const r = await ocikit(['--registries-conf', file, 'logout', registry.host], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /docker-credential-missing is not installed/);
    assert.doesNotMatch(await readFile(h.dockerConfig, 'utf8'), /"auth"/);
  });

  test('Docker Hub is asked for as docker.io, as podman stores it in these helpers', async (t) => {
    const h = await isolatedHome(t);
    const db = await writeCredentialHelper(bin, 'hub');
    await writeFile(db, `docker.io\thubuser\thubsecret\n`);
    const { createAuthFileStore } = await import('../../src/transports/registry/auth/auth-files.ts');
    const found = await createAuthFileStore({
      credentialHelpers: ['hub'],
      env: { ...h.env, PATH: `${bin}:${process.env.PATH}` },
    }).get('docker.io');
    assert.equal(found?.username, 'hubuser');
    assert.equal(found?.password, 'hubsecret');
  });

  test('a helper name that could name another program is refused when registries.conf is read', async (t) => {
    const h = await isolatedHome(t);
    const file = join(dir, 'hostile.conf');
    await writeFile(file, 'credential-helpers = ["../../bin/sh"]\n');
    const r = await ocikit(['--registries-conf', file, 'digest', image], { env: h.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /INVALID_ARGUMENT/);
    assert.match(r.stderr, /credential-helpers/);
  });
});
