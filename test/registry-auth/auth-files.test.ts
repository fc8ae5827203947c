/**
 * Where the CLI finds credentials, in skopeo's order, against a real registry with htpasswd:
 * `--creds`, then `--authfile` / `REGISTRY_AUTH_FILE` (the only file read when given), else
 * `$XDG_RUNTIME_DIR/containers/auth.json`, `~/.config/containers/auth.json`, Docker's
 * `config.json`. Each file is really consulted, the first that knows the registry wins, and a
 * refusal names where the refused credentials came from.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { buildImage, isolatedHome, skopeoPush, writeAuthFile } from './cli-env.ts';

describe('credentials from auth files, flags and the environment (CLI, htpasswd registry)', () => {
  const makeDir = suiteScratch(after);
  let registry: RunningRegistry;
  let user: string;
  let password: string;
  let image: string;

  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    assert.ok(registry.credentials);
    ({ username: user, password } = registry.credentials);
    const source = await buildImage(await makeDir());
    await skopeoPush(source, `${registry.host}/team/app:1`, `${user}:${password}`);
    image = `${registry.host}/team/app:1`;
  });
  after(() => registry?.stop());

  const inspect = (env: NodeJS.ProcessEnv, ...flags: string[]) =>
    ocikit(['digest', ...flags, image], { env });

  test('only ~/.config/containers/auth.json has the right password: it is read before Docker’s config.json', async (t) => {
    const h = await isolatedHome(t);
    await writeAuthFile(h.configAuth, registry.host, user, password);
    await writeAuthFile(h.dockerConfig, registry.host, user, 'wrong-docker-password');
    const result = await inspect(h.env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.out, /^sha256:[0-9a-f]{64}$/);
  });

  test('$XDG_RUNTIME_DIR/containers/auth.json comes first: its right password wins over a wrong one later', async (t) => {
    const h = await isolatedHome(t);
    await writeAuthFile(h.runtimeAuth, registry.host, user, password);
    await writeAuthFile(h.configAuth, registry.host, user, 'wrong-config-password');
    const result = await inspect(h.env);
    assert.equal(result.code, 0, result.stderr);
  });

  test('the first file that knows the registry is the one used; its refusal names that file and the login that fixes it', async (t) => {
    const h = await isolatedHome(t);
    await writeAuthFile(h.runtimeAuth, registry.host, user, 'stale-password');
    await writeAuthFile(h.configAuth, registry.host, user, password);
    const result = await inspect(h.env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /UNAUTHORIZED/);
    assert.ok(result.stderr.includes(`from ${h.runtimeAuth}`), result.stderr);
    // `ocikit login` writes Docker's config.json unless told otherwise: the fix names this file.
    assert.ok(
      result.stderr.includes(`ocikit login --authfile ${h.runtimeAuth} ${registry.host}`),
      result.stderr,
    );
    assert.ok(!result.stderr.includes('stale-password'));
  });

  test('Docker’s config.json in $DOCKER_CONFIG is read when no containers file knows the registry', async (t) => {
    const h = await isolatedHome(t);
    const dockerDir = join(h.home, 'elsewhere');
    await writeAuthFile(join(dockerDir, 'config.json'), registry.host, user, password);
    await writeAuthFile(h.configAuth, 'other.example:5000', user, 'not-for-this-registry');
    const result = await inspect({ ...h.env, DOCKER_CONFIG: dockerDir });
    assert.equal(result.code, 0, result.stderr);
  });

  test('REGISTRY_AUTH_FILE is the only file read, and --authfile overrides it', async (t) => {
    const h = await isolatedHome(t);
    const named = join(h.home, 'ci-auth.json');
    await writeAuthFile(named, registry.host, user, password);
    await writeAuthFile(h.runtimeAuth, registry.host, user, 'wrong-runtime-password');
    assert.equal((await inspect({ ...h.env, REGISTRY_AUTH_FILE: named })).code, 0);

    // The named file knows nothing of the registry: the right password elsewhere is not used.
    const empty = join(h.home, 'empty-auth.json');
    await writeAuthFile(empty, 'other.example:5000', user, 'x');
    await writeAuthFile(h.runtimeAuth, registry.host, user, password);
    const refused = await inspect({ ...h.env, REGISTRY_AUTH_FILE: empty });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /UNAUTHORIZED: .*requires authentication/);

    const flagged = await inspect({ ...h.env, REGISTRY_AUTH_FILE: empty }, '--authfile', named);
    assert.equal(flagged.code, 0, flagged.stderr);
  });

  test('--authfile is the only file read: the right password in every other file is not used', async (t) => {
    const h = await isolatedHome(t);
    const named = join(h.home, 'ci-auth.json');
    await writeAuthFile(named, 'other.example:5000', user, 'x');
    const fallback = join(h.home, 'env-auth.json');
    for (const file of [fallback, h.runtimeAuth, h.configAuth, h.dockerConfig]) {
      await writeAuthFile(file, registry.host, user, password);
    }
    for (const env of [h.env, { ...h.env, REGISTRY_AUTH_FILE: fallback }]) {
      const refused = await inspect(env, '--authfile', named);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /UNAUTHORIZED: .*requires authentication/);
    }
  });

  test('--creds USER:PASSWORD beats every file; a refused --creds says it came from --creds', async (t) => {
    const h = await isolatedHome(t);
    await writeAuthFile(h.runtimeAuth, registry.host, user, 'wrong-runtime-password');
    const good = await inspect(h.env, '--creds', `${user}:${password}`);
    assert.equal(good.code, 0, good.stderr);
    const bad = await inspect(h.env, '--creds', `${user}:typo-password`);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /UNAUTHORIZED: .*rejected the credentials of user ".*" given with --creds/);
    assert.ok(!bad.stderr.includes('typo-password'));
  });

  test('anonymous access refused: the error says to log in or pass --creds', async (t) => {
    const h = await isolatedHome(t);
    const result = await inspect(h.env);
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(`ocikit login ${registry.host}`), result.stderr);
    assert.match(result.stderr, /--creds/);
  });

  test('ls and catalog take --creds too', async (t) => {
    const h = await isolatedHome(t);
    const tags = await ocikit(['ls', '--creds', `${user}:${password}`, `${registry.host}/team/app`], {
      env: h.env,
    });
    assert.equal(tags.code, 0, tags.stderr);
    assert.equal(tags.out, '1');
    const catalog = await ocikit(['catalog', '--creds', `${user}:${password}`, registry.host], {
      env: h.env,
    });
    assert.equal(catalog.code, 0, catalog.stderr);
    assert.equal(catalog.out, 'team/app');
  });
});

describe('copy between two registries with --src-creds and --dest-creds', () => {
  const makeDir = suiteScratch(after);
  let from: RunningRegistry;
  let to: RunningRegistry;
  let image: string;
  before(async () => {
    from = await startRegistry({ auth: 'htpasswd' });
    to = await startRegistry({ auth: 'htpasswd' });
    const source = await buildImage(await makeDir());
    const { username, password } = from.credentials!;
    await skopeoPush(source, `${from.host}/src/app:1`, `${username}:${password}`);
    image = `${from.host}/src/app:1`;
  });
  after(async () => {
    await from?.stop();
    await to?.stop();
  });

  test('each side uses its own credentials; a global --creds alone fits neither', async (t) => {
    const h = await isolatedHome(t);
    const src = `${from.credentials!.username}:${from.credentials!.password}`;
    const dest = `${to.credentials!.username}:${to.credentials!.password}`;
    const copied = await ocikit(
      ['copy', '-q', '--src-creds', src, '--dest-creds', dest, image, `${to.host}/dst/app:1`],
      { env: h.env },
    );
    assert.equal(copied.code, 0, copied.stderr);
    const check = await ocikit(['digest', '--creds', dest, `${to.host}/dst/app:1`], { env: h.env });
    assert.equal(check.code, 0, check.stderr);
    assert.equal(copied.out, `${to.host}/dst/app@${check.out}`);

    const mixed = await ocikit(['copy', '-q', '--creds', src, image, `${to.host}/dst/app:2`], { env: h.env });
    assert.equal(mixed.code, 1);
    assert.ok(mixed.stderr.includes(to.host), mixed.stderr);
  });
});
