/**
 * The library side of credentials: `ocikit/registry` exports the registry client (tags, catalog,
 * delete) and login; transport options take credentials and an auth file, against a real
 * registry with htpasswd.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isOciError } from '../../src/errors/index.ts';
import { openSource } from '../../src/transports/index.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';
import { buildImage, skopeoPush, writeAuthFile } from './cli-env.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The source module behind a subpath export (`./dist/X.js` is built from `./src/X.ts`). */
async function exported(subpath: string): Promise<Record<string, unknown>> {
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8'));
  const target = pkg.exports[subpath] as { types: string; default: string } | undefined;
  assert.ok(target, `package.json exports ${subpath}`);
  assert.match(target.default, /^\.\/dist\/.+\.js$/);
  assert.equal(target.types, target.default.replace(/\.js$/, '.d.ts'));
  return import(
    pathToFileURL(join(REPO, target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'))).href
  );
}

describe('the registry API for library users', () => {
  const makeDir = suiteScratch(after);
  let registry: RunningRegistry;
  let credentials: { username: string; password: string };
  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    credentials = registry.credentials!;
    const image = await buildImage(await makeDir());
    await skopeoPush(image, `${registry.host}/team/app:1`, `${credentials.username}:${credentials.password}`);
    await skopeoPush(image, `${registry.host}/team/app:2`, `${credentials.username}:${credentials.password}`);
  });
  after(() => registry?.stop());

  test('ocikit/registry: openRegistryClient lists tags and the catalog and deletes, with credentials as options', async () => {
    const api = (await exported('./registry')) as typeof import('../../src/transports/registry/index.ts');
    assert.equal(typeof api.RegistryClient, 'function');
    assert.equal(typeof api.login, 'function');
    assert.equal(typeof api.logout, 'function');
    const client = await api.openRegistryClient(registry.host, { credentials });
    try {
      assert.deepEqual((await client.listTags('team/app')).sort(), ['1', '2']);
      assert.deepEqual(await client.catalog(), ['team/app']);
      const head = await client.headManifest('team/app', '2');
      assert.ok(head?.digest);
      await client.deleteManifest('team/app', head.digest);
      assert.equal(await client.headManifest('team/app', '1'), undefined);
    } finally {
      await client.close();
    }
    const anonymous = await api.openRegistryClient(registry.host, { authFile: '/nonexistent/auth.json' });
    try {
      await assert.rejects(anonymous.catalog(), (err) => isOciError(err, 'UNAUTHORIZED'));
    } finally {
      await anonymous.close();
    }
  });

  test('ocikit/registry: login checks the password and saves it in the auth file given', async (t) => {
    const api = (await exported('./registry')) as typeof import('../../src/transports/registry/index.ts');
    const authFile = join(await scratch(t), 'auth.json');
    await assert.rejects(api.login(registry.host, credentials.username, 'wrong', { authFile }), (err) =>
      isOciError(err, 'UNAUTHORIZED'),
    );
    await api.login(registry.host, credentials.username, credentials.password, { authFile });
    const saved = JSON.parse(await readFile(authFile, 'utf8'));
    assert.ok(saved.auths[registry.host].auth);
  });

  test('openSource takes credentials, or an auth file to read them from', async (t) => {
    await skopeoPush(
      await buildImage(await scratch(t)),
      `${registry.host}/team/other:1`,
      `${credentials.username}:${credentials.password}`,
    );
    const ref = `${registry.host}/team/other:1`;
    const authFile = join(await scratch(t), 'auth.json');
    await writeAuthFile(authFile, registry.host, credentials.username, credentials.password);
    for (const options of [{ credentials }, { authFile }]) {
      const source = await openSource(ref, options);
      try {
        assert.match((await source.resolve()).digest, /^sha256:/);
      } finally {
        await source.close();
      }
    }
  });
});
