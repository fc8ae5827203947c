/**
 * Errors that say what to do: a refusal of stored credentials names the credential helper they
 * came from and suggests `ocikit login`; a missing image says which tag was assumed; a layout
 * that does not exist is NOT_FOUND as soon as it is opened.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { openSource } from '../../src/transports/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { scratch, suiteScratch } from '../helpers/tmp.ts';
import { buildImage, isolatedHome, skopeoPush } from './cli-env.ts';
import { writeCredentialHelper } from './helper-script.ts';

describe('a registry refusing stored credentials', () => {
  const makeDir = suiteScratch(after);
  let registry: RunningRegistry;
  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    const { username, password } = registry.credentials!;
    await skopeoPush(
      await buildImage(await makeDir()),
      `${registry.host}/team/app:1`,
      `${username}:${password}`,
    );
  });
  after(() => registry?.stop());

  test('credentials from a credential helper: the error names the helper and suggests ocikit login', async (t) => {
    const h = await isolatedHome(t);
    const bin = join(h.home, 'bin');
    await mkdir(bin);
    const db = await writeCredentialHelper(bin, 'citest');
    await writeFile(db, `${registry.host}\t${registry.credentials!.username}\told-secret\n`);
    await mkdir(join(h.home, '.docker'));
    await writeFile(h.dockerConfig, JSON.stringify({ credHelpers: { [registry.host]: 'citest' } }));
    const result = await ocikit(['digest', `${registry.host}/team/app:1`], {
      env: { ...h.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /UNAUTHORIZED: .*credential helper docker-credential-citest/);
    assert.ok(result.stderr.includes(`ocikit login ${registry.host}`), result.stderr);
    assert.ok(!result.stderr.includes('old-secret'));
  });
});

describe('images that are not there', () => {
  let registry: RunningRegistry;
  before(async () => {
    registry = await startRegistry();
  });
  after(() => registry?.stop());

  test('a registry image named without a tag: the failure says "latest" was assumed', async () => {
    const bare = await ocikit(['digest', `${registry.host}/nothing/here`]);
    assert.equal(bare.code, 1);
    assert.match(bare.stderr, /NOT_FOUND/);
    assert.match(bare.stderr, /"latest"/, 'which tag was assumed');
    const tagged = await ocikit(['digest', `${registry.host}/nothing/here:v1`]);
    assert.equal(tagged.code, 1);
    assert.match(tagged.stderr, /NOT_FOUND/);
    assert.doesNotMatch(tagged.stderr, /latest/);
  });

  test('openSource of a layout folder that does not exist fails at once with NOT_FOUND', async (t) => {
    const dir = await scratch(t);
    const missing = join(dir, 'missing');
    await assert.rejects(openSource(`oci:${missing}`), (err: unknown) => {
      assert.ok(isOciError(err, 'NOT_FOUND'));
      assert.ok(err.message.includes(missing));
      return true;
    });
    await assert.rejects(openSource(`oci:${missing}:tag`), (err) => isOciError(err, 'NOT_FOUND'));
    // A folder that exists but holds no layout is another matter.
    await assert.rejects(openSource(`oci:${dir}`), (err) => isOciError(err, 'INVALID_LAYOUT'));
  });
});
