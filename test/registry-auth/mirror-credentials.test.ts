/**
 * Credentials given on the command line (`--creds`, `--registry-token`) are for the registry the
 * image name names: a registries.conf mirror or location on another host never receives them (it
 * gets what is stored for that host), as containers/image keeps them from mirrors.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { buildImage, isolatedHome, skopeoPush, writeAuthFile } from './cli-env.ts';

describe('explicit credentials and registries.conf mirrors (CLI, htpasswd mirror)', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let mirror: RunningRegistry;
  let origin: RunningRegistry;
  let user: string;
  let password: string;
  let file: string;

  before(async () => {
    dir = await makeDir();
    [mirror, origin] = await Promise.all([startRegistry({ auth: 'htpasswd' }), startRegistry()]);
    assert.ok(mirror.credentials);
    ({ username: user, password } = mirror.credentials);
    await skopeoPush(await buildImage(dir), `${mirror.host}/app:1`, `${user}:${password}`);
    file = join(dir, 'mirror.conf');
    // The origin is empty: only the mirror holds the image.
    await writeFile(
      file,
      `[[registry]]\nprefix = "example.test"\nlocation = "${origin.host}"\n[[registry.mirror]]\nlocation = "${mirror.host}"\n`,
    );
  });
  after(() => Promise.all([mirror?.stop(), origin?.stop()]));

  test('--creds for the name asked for are not sent to its mirror; credentials stored for the mirror are', async (t) => {
    const h = await isolatedHome(t);
    const given = await ocikit(
      ['--registries-conf', file, '--creds', `${user}:${password}`, 'digest', 'example.test/app:1'],
      { env: h.env },
    );
    assert.equal(given.code, 1, 'the mirror answered with credentials meant for example.test');
    assert.doesNotMatch(given.stderr, /from mirror/);
    await writeAuthFile(h.configAuth, mirror.host, user, password);
    const stored = await ocikit(['--registries-conf', file, 'digest', 'example.test/app:1'], { env: h.env });
    assert.equal(stored.code, 0, stored.stderr);
    assert.match(stored.stderr, /from mirror/);
  });
});
