/**
 * Security review of policy enforcement and signature storage: a tag that moves between the
 * policy check and the copy (or unpack) cannot get an unchecked image through; a registries.d
 * folder with a `*.yaml` that is not a file gives a typed error.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { loadRegistriesConfig } from '../../src/trust/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { generateGpgKey, gpgHome, signedByPolicy, stopGpgAgent, type TestGpgKey } from './gpg-helpers.ts';
import { layoutImage } from './helpers.ts';
import { type TagFlipProxy, tagFlipProxy } from './tag-flip-proxy.ts';

const workdir = suiteScratch(after, 'ocikit-review-');
let registry: RunningRegistry;
let proxy: TagFlipProxy;
let dir: string;
let home: string;
let key: TestGpgKey;
let registriesD: string;
let signedDigest: string;
let unsignedDigest: string;

before(async () => {
  registry = await startRegistry();
  dir = await workdir();
  home = await gpgHome(dir);
  key = await generateGpgKey(home, 'review@example.test');
  registriesD = join(dir, 'registries.d');
  await mkdir(registriesD);
  await writeFile(
    join(registriesD, 'default.yaml'),
    `default-docker:\n  lookaside: file://${join(dir, 'sigstore')}\n`,
  );
  await writeFile(join(dir, 'policy.json'), signedByPolicy(key.publicKeyPath));
  proxy = await tagFlipProxy(registry.host, 'app', 'good', 'evil');
  const good = await layoutImage(join(dir, 'good'), 'v1', 'signed content');
  const evil = await layoutImage(join(dir, 'evil'), 'v1', 'unsigned content');
  const signed = await ocikit(
    [
      'copy',
      '--insecure-policy',
      '--registries.d',
      registriesD,
      '--sign-by',
      key.fingerprint,
      good,
      `${proxy.host}/app:good`,
    ],
    { env: { GNUPGHOME: home } },
  );
  assert.equal(signed.code, 0, signed.stderr);
  signedDigest = signed.out.split('@')[1] ?? '';
  const pushed = await ocikit(['copy', '--insecure-policy', evil, `${proxy.host}/app:evil`]);
  assert.equal(pushed.code, 0, pushed.stderr);
  unsignedDigest = pushed.out.split('@')[1] ?? '';
  assert.notEqual(signedDigest, unsignedDigest);
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (home) await stopGpgAgent(home);
});

test('security: copy writes the very image the policy accepted, even when the tag moves after the check', async () => {
  const out = join(dir, 'copied');
  proxy.arm();
  const copied = await ocikit([
    'copy',
    '--policy',
    join(dir, 'policy.json'),
    '--registries.d',
    registriesD,
    `${proxy.host}/app:good`,
    `oci:${out}:x`,
  ]);
  assert.equal(copied.code, 0, copied.stderr);
  const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as {
    manifests: { digest: string }[];
  };
  assert.deepEqual(
    index.manifests.map((m) => m.digest),
    [signedDigest],
  );
});

test('security: unpack unpacks the very image the policy accepted, even when the tag moves after the check', async () => {
  const bundle = join(dir, 'bundle');
  proxy.arm();
  const unpacked = await ocikit([
    'unpack',
    '--rootless',
    '--policy',
    join(dir, 'policy.json'),
    '--registries.d',
    registriesD,
    `${proxy.host}/app:good`,
    bundle,
  ]);
  assert.equal(unpacked.code, 0, unpacked.stderr);
  assert.equal(await readFile(join(bundle, 'rootfs/hello.txt'), 'utf8'), 'signed content');
});

test('security: a registries.d entry named *.yaml that is a folder is a typed error, not a crash', async () => {
  const d = join(dir, 'registries-folder');
  await mkdir(join(d, 'trap.yaml'), { recursive: true });
  await assert.rejects(loadRegistriesConfig({ dir: d }), (err: unknown) => {
    assert.ok(isOciError(err), String(err));
    assert.equal(err.code, ErrorCode.INVALID_DOCUMENT);
    assert.match(err.message, /trap\.yaml/);
    return true;
  });
});
