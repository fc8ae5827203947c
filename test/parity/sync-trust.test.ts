/**
 * `ocikit sync` formats and signatures, checked with skopeo: `--format v2s2` writes the
 * manifests `skopeo sync --format v2s2` writes; `--preserve-digests` refuses a conversion, nothing written;
 * `--sign-by` signs every image so that skopeo's signedBy policy accepts it; the source's simple
 * signatures are carried to the destination's lookaside as skopeo sync carries them (and not with
 * `--remove-signatures`), a `dir:` source's signature files into `dir:` folders;
 * `--sign-by-sigstore-private-key` attaches a cosign signature to each.
 */
import assert from 'node:assert/strict';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
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
import { ok, registryImages } from './sync-fixtures.ts';

const DOCKER_V2S2 = 'application/vnd.docker.distribution.manifest.v2+json';

describe('ocikit sync: formats and signatures, checked with skopeo', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let source: RunningRegistry;
  let target: RunningRegistry;
  let home: string;
  let signer: TestGpgKey;
  let other: TestGpgKey;
  let registriesD: string;
  let lookaside: string;
  let yaml: string;

  before(async () => {
    dir = await makeDir();
    [source, target] = await Promise.all([startRegistry(), startRegistry()]);
    for (const name of ['a', 'b']) {
      const root = join(dir, `root-${name}`);
      await mkdir(root);
      await writeFile(join(root, `${name}.txt`), `${name}\n`);
      await ok(['append', 'scratch', root, '-t', `${source.host}/${name}:1`]);
    }
    yaml = join(dir, 'images.yaml');
    await writeFile(yaml, `${source.host}:\n  tls-verify: false\n  images:\n    a: ["1"]\n    b: ["1"]\n`);
    home = await gpgHome(dir);
    signer = await generateGpgKey(home, 'signer@example.test');
    other = await generateGpgKey(home, 'other@example.test');
    registriesD = join(dir, 'registries.d');
    lookaside = join(dir, 'lookaside');
    await mkdir(registriesD);
    await writeFile(join(registriesD, 'default.yaml'), `default-docker:\n  lookaside: file://${lookaside}\n`);
    await writeFile(join(dir, 'accept.json'), signedByPolicy(signer.publicKeyPath));
    await writeFile(join(dir, 'other.json'), signedByPolicy(other.publicKeyPath));
  });
  after(async () => {
    await Promise.all([source?.stop(), target?.stop()]);
    if (home) await stopGpgAgent(home);
  });

  const rawBytes = (image: string): Promise<string> =>
    run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${image}`]);
  const rawManifest = async (image: string): Promise<{ mediaType?: string }> =>
    JSON.parse(await rawBytes(image));

  /** Whether skopeo, under the policy file `policy` in the scratch folder, accepts pulling `image`. */
  const skopeoAccepts = (image: string, policy: string): Promise<boolean> =>
    skopeoAcceptsSigned(image, join(dir, policy), registriesD, dir);

  test('the trust policy is enforced per image: a rejected repository fails, the others are copied (--keep-going)', async () => {
    const policy = join(dir, 'reject-b.json');
    await writeFile(
      policy,
      JSON.stringify({
        default: [{ type: 'insecureAcceptAnything' }],
        transports: { docker: { [`${source.host}/b`]: [{ type: 'reject' }] } },
      }),
    );
    const result = await ocikit([
      'sync',
      '-q',
      '--keep-going',
      '--policy',
      policy,
      '--src',
      'yaml',
      yaml,
      `${target.host}/policed`,
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /b:1/);
    const copied = await registryImages(target.host, 'policed');
    assert.deepEqual(Object.keys(copied), ['a:1']);
    // A policy rejecting everything but one namespace lets that one through; a missing policy file is NOT_FOUND.
    const only = join(dir, 'only-a.json');
    await writeFile(
      only,
      JSON.stringify({
        default: [{ type: 'reject' }],
        transports: { docker: { [`${source.host}/a`]: [{ type: 'insecureAcceptAnything' }] } },
      }),
    );
    const single = await ocikit([
      'sync',
      '-q',
      '--policy',
      only,
      `${source.host}/a:1`,
      `${target.host}/only`,
    ]);
    assert.equal(single.code, 0, single.stderr);
    // registries.d is read only for a requirement that needs signatures: a broken one does not
    // stop an accept-anything policy, and stops a signedBy one naming the file.
    const broken = join(dir, 'broken.d');
    await mkdir(broken);
    await writeFile(join(broken, 'default.yaml'), 'default-docker: [not, a, mapping\n');
    const accepted = await ocikit([
      'sync',
      '-q',
      '--remove-signatures',
      '--registries.d',
      broken,
      '--policy',
      only,
      `${source.host}/a:1`,
      `${target.host}/broken-ok`,
    ]);
    assert.equal(accepted.code, 0, accepted.stderr);
    const signedBy = await ocikit([
      'sync',
      '-q',
      '--registries.d',
      broken,
      '--policy',
      join(dir, 'accept.json'),
      `${source.host}/a:1`,
      `${target.host}/broken-refused`,
    ]);
    assert.equal(signedBy.code, 1);
    assert.match(signedBy.stderr, /default\.yaml/);
    const missing = await ocikit([
      'sync',
      '-q',
      '--policy',
      join(dir, 'none.json'),
      `${source.host}/a:1`,
      `${target.host}/x`,
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /NOT_FOUND/);
  });

  test('--format v2s2 writes Docker manifests with the content skopeo sync --format v2s2 writes', async () => {
    await run('skopeo', [
      'sync',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      '--format',
      'v2s2',
      yaml,
      `${target.host}/skv2`,
    ]);
    await ok(['sync', '-q', '--src', 'yaml', '--format', 'v2s2', yaml, `${target.host}/ocv2`]);
    assert.deepEqual(Object.keys(await registryImages(target.host, 'ocv2')).sort(), ['a:1', 'b:1']);
    for (const name of ['a', 'b']) {
      const mine = await rawManifest(`${target.host}/ocv2/${name}:1`);
      assert.equal(mine.mediaType, DOCKER_V2S2);
      // Byte for byte, so the digests agree: Docker descriptors list `size` before `digest`.
      assert.equal(
        await rawBytes(`${target.host}/ocv2/${name}:1`),
        await rawBytes(`${target.host}/skv2/${name}:1`),
      );
    }
  });

  test('--preserve-digests refuses a conversion before anything is written', async () => {
    const refused = await ocikit([
      'sync',
      '--src',
      'yaml',
      '--format',
      'v2s2',
      '--preserve-digests',
      yaml,
      `${target.host}/preserved`,
    ]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /UNSUPPORTED: --preserve-digests: manifest sha256:[0-9a-f]{64} would be converted from oci to docker/,
    );
    assert.deepEqual(await registryImages(target.host, 'preserved'), {});
    // Without a conversion the digests are kept and the sync goes through.
    await ok(['sync', '-q', '--src', 'yaml', '--preserve-digests', yaml, `${target.host}/preserved`]);
    assert.deepEqual(await registryImages(target.host, 'preserved'), await registryImages(source.host, ''));
  });

  test('--sign-by signs every image: skopeo accepts them under a policy requiring that key, refuses under another', async () => {
    const synced = await ocikit(
      [
        'sync',
        '--src',
        'yaml',
        '--registries.d',
        registriesD,
        '--sign-by',
        signer.fingerprint,
        yaml,
        `${target.host}/signed`,
      ],
      { env: { GNUPGHOME: home } },
    );
    assert.equal(synced.code, 0, synced.stderr);
    for (const name of ['a', 'b']) {
      assert.equal(await skopeoAccepts(`${target.host}/signed/${name}:1`, 'accept.json'), true);
      assert.equal(await skopeoAccepts(`${target.host}/signed/${name}:1`, 'other.json'), false);
    }
    // A signed sync signs again on a re-run, as skopeo does; nothing else changes.
    const again = await ocikit(
      [
        'sync',
        '--src',
        'yaml',
        '--registries.d',
        registriesD,
        '--sign-by',
        signer.fingerprint,
        yaml,
        `${target.host}/signed`,
      ],
      { env: { GNUPGHOME: home } },
    );
    assert.equal(again.code, 0, again.stderr);
    const digest = (await registryImages(target.host, 'signed'))['a:1'] as string;
    const stored = await readdir(join(lookaside, `signed/a@sha256=${digest.slice('sha256:'.length)}`));
    assert.deepEqual(stored.sort(), ['signature-1', 'signature-2']);
  });

  test("the source's simple signatures are carried as skopeo sync carries them, and not with --remove-signatures", async () => {
    // skopeo signs the source images in place (its lookaside, the source's repository paths).
    for (const name of ['a', 'b']) {
      await run(
        'skopeo',
        [
          '--registries.d',
          registriesD,
          'copy',
          '--quiet',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          '--sign-by',
          signer.fingerprint,
          `docker://${source.host}/${name}:1`,
          `docker://${source.host}/${name}:1`,
        ],
        { env: { GNUPGHOME: home } },
      );
    }
    const digests = await registryImages(source.host, '');
    await run('skopeo', [
      '--registries.d',
      registriesD,
      'sync',
      '--src',
      'yaml',
      '--dest',
      'docker',
      '--dest-tls-verify=false',
      yaml,
      `${target.host}/skcarried`,
    ]);
    await ok([
      'sync',
      '-q',
      '--src',
      'yaml',
      '--registries.d',
      registriesD,
      yaml,
      `${target.host}/occarried`,
    ]);
    await ok([
      'sync',
      '-q',
      '--src',
      'yaml',
      '--registries.d',
      registriesD,
      '--remove-signatures',
      yaml,
      `${target.host}/ocremoved`,
    ]);
    for (const name of ['a', 'b']) {
      const hex = (digests[`${name}:1`] as string).slice('sha256:'.length);
      for (const prefix of ['skcarried', 'occarried'])
        assert.deepEqual(await readdir(join(lookaside, `${prefix}/${name}@sha256=${hex}`)), ['signature-1']);
      await assert.rejects(access(join(lookaside, `ocremoved/${name}@sha256=${hex}`)));
      // The carried signature still names the source; a policy remapping the name accepts it.
      const remap = signedByPolicy(signer.publicKeyPath, {
        type: 'remapIdentity',
        prefix: `${target.host}/occarried`,
        signedPrefix: source.host,
      });
      await writeFile(join(dir, 'remap.json'), remap);
      assert.equal(await skopeoAccepts(`${target.host}/occarried/${name}:1`, 'remap.json'), true);
      assert.equal(await skopeoAccepts(`${target.host}/ocremoved/${name}:1`, 'remap.json'), false);
    }
  });

  test("a dir: source's signature files are carried into dir: folders, where skopeo verifies them", async () => {
    const images = join(dir, 'signed-dirs');
    await mkdir(images);
    await run(
      'skopeo',
      [
        'copy',
        '--quiet',
        '--src-tls-verify=false',
        '--sign-by',
        signer.fingerprint,
        '--sign-identity',
        `${source.host}/a:1`,
        `docker://${source.host}/a:1`,
        `dir:${join(images, 'a:1')}`,
      ],
      { env: { GNUPGHOME: home } },
    );
    const out = join(dir, 'carried-dirs');
    await ok(['sync', '-q', '--src', 'dir', '--dest', 'dir', images, out]);
    assert.ok((await readdir(join(out, 'a:1'))).includes('signature-1'));
    const verified = await run(
      'skopeo',
      [
        'standalone-verify',
        join(out, 'a:1', 'manifest.json'),
        `${source.host}/a:1`,
        signer.fingerprint,
        join(out, 'a:1', 'signature-1'),
      ],
      { env: { GNUPGHOME: home } },
    );
    assert.match(verified, /Signature verified/);
    await ok(['sync', '-q', '--src', 'dir', '--dest', 'dir', '--remove-signatures', images, `${out}-bare`]);
    assert.ok(!(await readdir(join(`${out}-bare`, 'a:1'))).includes('signature-1'));
  });

  test('--sign-by-sigstore-private-key attaches a cosign signature to every image', async () => {
    const password = { COSIGN_PASSWORD: 'sync key' };
    const keys = join(dir, 'cosign');
    await mkdir(keys);
    assert.equal((await ocikit(['key', 'generate'], { cwd: keys, env: password })).code, 0);
    const synced = await ocikit(
      [
        'sync',
        '--src',
        'yaml',
        '--sign-by-sigstore-private-key',
        join(keys, 'cosign.key'),
        yaml,
        `${target.host}/cosigned`,
      ],
      { env: password },
    );
    assert.equal(synced.code, 0, synced.stderr);
    for (const name of ['a', 'b']) {
      const verified = await ocikit([
        'verify',
        '--key',
        join(keys, 'cosign.pub'),
        `${target.host}/cosigned/${name}:1`,
      ]);
      assert.equal(verified.code, 0, verified.stderr);
    }
  });
});
