/**
 * Simple signatures stored in a `dir:` folder (`signature-1`, as skopeo's `--sign-by` writes
 * them) travel with a copy between `dir:` folders, into a registry's lookaside storage and back
 * out of it, and skopeo verifies each copied one against the signer's key.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import {
  generateGpgKey,
  gpgHome,
  signedByPolicy,
  skopeoAcceptsSigned,
  stopGpgAgent,
  type TestGpgKey,
} from '../trust/gpg-helpers.ts';

describe('signatures in dir: folders', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let home: string;
  let key: TestGpgKey;
  let registry: RunningRegistry;
  after(() => Promise.all([stopGpgAgent(home), registry?.stop()]));

  before(async () => {
    dir = await makeDir();
    home = await gpgHome(dir);
    key = await generateGpgKey(home, 'signer@example.com');
    await mkdir(join(dir, 'root'));
    await writeFile(join(dir, 'root/file'), 'signed content\n');
    const result = await ocikit([
      'append',
      'scratch',
      join(dir, 'root'),
      '-t',
      `oci:${join(dir, 'layout')}:app`,
    ]);
    assert.equal(result.code, 0, result.stderr);
    registry = await startRegistry();
  });

  /** A `dir:` copy of the image signed by skopeo for `localhost/app:1`, and its signature's bytes. */
  async function signedDir(name: string): Promise<{ folder: string; signature: Buffer }> {
    const folder = join(dir, name);
    await run(
      'skopeo',
      [
        '--insecure-policy',
        'copy',
        '--quiet',
        '--sign-by',
        key.fingerprint,
        '--sign-identity',
        'localhost/app:1',
        `oci:${join(dir, 'layout')}:app`,
        `dir:${folder}`,
      ],
      { env: { GNUPGHOME: home } },
    );
    return { folder, signature: await readFile(join(folder, 'signature-1')) };
  }

  /** A registries.d folder whose default lookaside (read and written) is the folder returned. */
  async function lookasideConfig(name: string): Promise<{ registriesD: string; lookaside: string }> {
    const registriesD = join(dir, `${name}.d`);
    const lookaside = join(dir, `${name}-lookaside`);
    await mkdir(registriesD);
    await writeFile(join(registriesD, 'default.yaml'), `default-docker:\n  lookaside: file://${lookaside}\n`);
    return { registriesD, lookaside };
  }

  const identity = { type: 'exactReference', dockerReference: 'localhost/app:1' };

  /** skopeo copies the `dir:` image `folder` under a policy requiring the signer's signature (throws otherwise). */
  async function skopeoVerifiesDir(folder: string): Promise<void> {
    const policy = join(dir, 'dir-policy.json');
    await writeFile(
      policy,
      JSON.stringify({
        default: [{ type: 'reject' }],
        transports: {
          dir: {
            '': [
              { type: 'signedBy', keyType: 'GPGKeys', keyPath: key.publicKeyPath, signedIdentity: identity },
            ],
          },
        },
      }),
    );
    await run('skopeo', [
      '--policy',
      policy,
      'copy',
      '--quiet',
      '--remove-signatures',
      `dir:${folder}`,
      `oci:${join(dir, `verified-${Math.random().toString(36).slice(2)}`)}:app`,
    ]);
  }

  test("a copy from dir: to a registry stages signature-1 in the registry's lookaside, and skopeo verifies the pull", async () => {
    const { folder, signature } = await signedDir('to-registry');
    const { registriesD, lookaside } = await lookasideConfig('push');
    const image = `${registry.host}/pushed:1`;
    const result = await ocikit(['copy', '--registries.d', registriesD, `dir:${folder}`, image]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /1 simple signature\(s\)/);
    const digest = (await ocikit(['digest', image])).out;
    const stored = join(lookaside, `pushed@sha256=${digest.slice('sha256:'.length)}`, 'signature-1');
    assert.deepEqual(await readFile(stored), signature);
    const policy = join(dir, 'registry-policy.json');
    await writeFile(policy, signedByPolicy(key.publicKeyPath, identity));
    assert.equal(await skopeoAcceptsSigned(image, policy, registriesD, dir), true);
    // A conversion changes the digest: the signature is dropped with a warning, not staged.
    const converted = `${registry.host}/converted:1`;
    const conv = await ocikit([
      'copy',
      '--registries.d',
      registriesD,
      '--format',
      'docker',
      `dir:${folder}`,
      converted,
    ]);
    assert.equal(conv.code, 0, conv.stderr);
    assert.match(conv.stderr, /1 simple signature\(s\) dropped: the copy changed the manifest digest/);
    assert.equal(await skopeoAcceptsSigned(converted, policy, registriesD, dir), false);
  });

  test("a copy from a registry to dir: writes the lookaside's signatures as signature-N, and skopeo verifies them", async () => {
    const { folder, signature } = await signedDir('from-registry');
    const { registriesD } = await lookasideConfig('pull');
    const image = `${registry.host}/pulled:1`;
    const pushed = await ocikit(['copy', '-q', '--registries.d', registriesD, `dir:${folder}`, image]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const back = join(dir, 'back');
    const result = await ocikit(['copy', '-q', '--registries.d', registriesD, image, `dir:${back}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readFile(join(back, 'signature-1')), signature);
    await skopeoVerifiesDir(back);
  });

  test('a copy from dir: to dir: keeps signature-1, and skopeo verifies it', async () => {
    const { folder: signed, signature } = await signedDir('signed');
    const copy = join(dir, 'copy');
    const result = await ocikit(['copy', '-q', `dir:${signed}`, `dir:${copy}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readFile(join(copy, 'signature-1')), signature);
    await skopeoVerifiesDir(copy);
    // Changing the digest (a conversion) drops the signature rather than store one that no longer signs.
    const converted = join(dir, 'converted');
    const conv = await ocikit(['copy', '-q', '--format', 'docker', `dir:${signed}`, `dir:${converted}`]);
    assert.equal(conv.code, 0, conv.stderr);
    assert.ok(!(await readdir(converted)).some((name) => name.startsWith('signature-')));
  });
});
