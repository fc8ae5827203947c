/**
 * `--registry-token TOKEN` (and the `registryToken` transport option): a bearer token sent to a
 * real token-auth registry as is, with no token service round trip and no stored credentials.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { openSource } from '../../src/transports/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { startTokenServer, type TokenServer } from '../helpers/token-server.ts';
import { buildImage, isolatedHome, skopeoPush } from './cli-env.ts';

describe('a registry token given on the command line or in the options', () => {
  let dir: string;
  let tokens: TokenServer;
  let registry: RunningRegistry;
  let token: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ocikit-registry-token-'));
    tokens = await startTokenServer(dir, { users: { ci: 'ci-password' } });
    registry = await startRegistry({ auth: { token: tokens } });
    await skopeoPush(await buildImage(dir), `${registry.host}/team/app:1`, 'ci:ci-password');
    const url = new URL(tokens.realm);
    url.searchParams.set('service', tokens.service);
    url.searchParams.set('scope', 'repository:team/app:pull');
    const res = await fetch(url, {
      headers: { authorization: `Basic ${Buffer.from('ci:ci-password').toString('base64')}` },
    });
    token = ((await res.json()) as { token: string }).token;
  });
  after(async () => {
    await registry?.stop();
    await tokens?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the CLI sends it as the bearer token, with no request to the token service', async (t) => {
    const h = await isolatedHome(t);
    const before = tokens.requests.length;
    const result = await ocikit(['digest', '--registry-token', token, `${registry.host}/team/app:1`], {
      env: h.env,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.out, /^sha256:/);
    assert.equal(tokens.requests.length, before);
  });

  test('the library takes it as registryToken; a refused token names the option, never the token', async () => {
    const source = await openSource(`${registry.host}/team/app:1`, { registryToken: token });
    try {
      assert.match((await source.resolve()).digest, /^sha256:/);
    } finally {
      await source.close();
    }
    const forged = `${token.slice(0, -8)}AAAAAAAA`;
    const refused = await openSource(`${registry.host}/team/app:1`, { registryToken: forged });
    try {
      await assert.rejects(refused.resolve(), (err: unknown) => {
        assert.ok(isOciError(err, 'UNAUTHORIZED'));
        assert.match(err.message, /refused the registry token/);
        assert.ok(!`${err.message}${JSON.stringify(err.data)}`.includes(forged));
        return true;
      });
    } finally {
      await refused.close();
    }
  });
});
