/**
 * `copy` carries an image's signatures along (the cosign `.sig` manifest, sigstore bundle
 * referrers, lookaside simple signatures), as skopeo does, so they still verify at the
 * destination; `--remove-signatures` leaves them; a conversion that changes the digest drops
 * them with a warning; a layout destination keeps the attachments and drops simple signatures.
 */
import assert from 'node:assert/strict';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import {
  generateGpgKey,
  gpgHome,
  signedByPolicy,
  skopeoPullSigned,
  stopGpgAgent,
  type TestGpgKey,
} from './gpg-helpers.ts';
import { layoutImage } from './helpers.ts';

let registry: RunningRegistry;
let dir: string;
let home: string;
let key: TestGpgKey;
let registriesD: string;
let source: string;
const password = { COSIGN_PASSWORD: 'carry' };
const workdir = suiteScratch(after, 'ocikit-carry-');

before(async () => {
  registry = await startRegistry();
  dir = await workdir();
  home = await gpgHome(dir);
  key = await generateGpgKey(home, 'carry@example.test');
  registriesD = join(dir, 'registries.d');
  await mkdir(registriesD);
  await writeFile(
    join(registriesD, 'default.yaml'),
    `default-docker:\n  lookaside: file://${join(dir, 'sigstore')}\n`,
  );
  source = `${registry.host}/carry-src:v1`;
  // The simple signature claims the source name, so copies are checked by that repository.
  await writeFile(
    join(dir, 'repo.json'),
    signedByPolicy(key.publicKeyPath, {
      type: 'exactRepository',
      dockerRepository: `${registry.host}/carry-src`,
    }),
  );
  assert.equal((await ocikit(['key', 'generate'], { cwd: dir, env: password })).code, 0);
  const image = await layoutImage(join(dir, 'layout'), 'v1', 'carried');
  await run(
    'skopeo',
    [
      '--registries.d',
      registriesD,
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      '--sign-by',
      key.fingerprint,
      image,
      `docker://${source}`,
    ],
    { env: { GNUPGHOME: home } },
  );
  for (const format of ['tag', 'bundle']) {
    const signed = await ocikit(['sign', source, '--key', join(dir, 'cosign.key'), '--format', format], {
      env: password,
    });
    assert.equal(signed.code, 0, signed.stderr);
  }
});
after(async () => {
  await registry?.stop();
  if (home) await stopGpgAgent(home);
});

const verifyKey = (image: string) => ocikit(['verify', image, '--key', join(dir, 'cosign.pub'), '--json']);

/** The formats (`tag`, `bundle`) of the cosign signatures that verify on `image`, sorted. */
async function verifiedFormats(image: string): Promise<string[]> {
  const verified = await verifyKey(image);
  assert.equal(verified.code, 0, verified.stderr);
  return (JSON.parse(verified.out) as { verified: { format: string }[] }).verified
    .map((v) => v.format)
    .sort();
}

/** `ocikit copy FLAGS --registries.d DIR SOURCE DESTINATION`, the copy every test here makes. */
const copySource = (destination: string, ...flags: string[]) =>
  ocikit(['copy', ...flags, '--registries.d', registriesD, source, destination]);

test('a registry-to-registry copy carries the .sig manifest, the bundle referrer and the simple signature', async () => {
  const destination = `${registry.host}/carry-dst:v1`;
  const copied = await copySource(destination);
  assert.equal(copied.code, 0, copied.stderr);
  assert.match(
    copied.stderr,
    /copied signatures: 1 signature manifest\(s\), 1 referrer\(s\), 1 simple signature\(s\)/,
  );
  assert.deepEqual(await verifiedFormats(destination), ['bundle', 'tag']);
  const pulled = await skopeoPullSigned(destination, join(dir, 'repo.json'), registriesD, dir);
  assert.equal(pulled.ok, true, pulled.stderr);
});

test('--remove-signatures copies the image alone', async () => {
  const destination = `${registry.host}/carry-none:v1`;
  const copied = await copySource(destination, '--remove-signatures');
  assert.equal(copied.code, 0, copied.stderr);
  const verified = await verifyKey(destination);
  assert.equal(verified.code, 1);
  const policy = await ocikit([
    'verify',
    '--policy',
    join(dir, 'repo.json'),
    '--registries.d',
    registriesD,
    destination,
  ]);
  assert.equal(policy.code, 1);
  assert.match(policy.stderr, /no signature exists/);
});

test('--remove-signatures --referrers carries the referrers only: no .sig manifest, no simple signature', async () => {
  const destination = `${registry.host}/carry-referrers:v1`;
  const copied = await copySource(destination, '--remove-signatures', '--referrers');
  assert.equal(copied.code, 0, copied.stderr);
  assert.match(
    copied.stderr,
    /copied signatures: 0 signature manifest\(s\), 1 referrer\(s\), 0 simple signature\(s\)/,
  );
  assert.deepEqual(await verifiedFormats(destination), ['bundle']);
});

test('a copy that fails after the signature lookups began writes no signature and reports its own error', async () => {
  const destination = `${registry.host}/carry-failed:v1`;
  // The lookups at the source start beside the copy; the copy then refuses the platform.
  const copied = await copySource(destination, '--platform', 'windows/amd64');
  assert.equal(copied.code, 1, copied.stderr);
  assert.match(copied.stderr, /^ocikit: NO_MATCHING_PLATFORM: /m);
  assert.doesNotMatch(copied.stderr, /signature/);
  const tags = await ocikit(['ls', `${registry.host}/carry-failed`]);
  assert.notEqual(tags.code, 0, 'the repository does not exist');
});

test('a conversion that changes the digest drops the signatures with a warning', async () => {
  const destination = `${registry.host}/carry-converted:v1`;
  const copied = await copySource(destination, '--format', 'docker');
  assert.equal(copied.code, 0, copied.stderr);
  assert.match(
    copied.stderr,
    /warning: 3 signature\(s\) and attachment\(s\) dropped: the copy changed the manifest digest/,
  );
  assert.equal((await verifyKey(destination)).code, 1);
});

test('into an oci: layout the attachments are carried and the simple signatures dropped with a warning', async () => {
  const destination = `oci:${join(dir, 'copied-layout')}:v1`;
  const copied = await copySource(destination);
  assert.equal(copied.code, 0, copied.stderr);
  assert.match(copied.stderr, /warning: 1 simple signature\(s\) dropped: an oci: destination holds none/);
  const verified = await verifyKey(destination);
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal((JSON.parse(verified.out) as { verified: unknown[] }).verified.length, 2);
});

test('copy --sign-by-sigstore-private-key adds a cosign signature claiming the destination name with its tag', async () => {
  const destination = `${registry.host}/carry-cosigned:v1`;
  const copied = await ocikit(
    [
      'copy',
      '--registries.d',
      registriesD,
      '--sign-by-sigstore-private-key',
      join(dir, 'cosign.key'),
      source,
      destination,
    ],
    { env: password },
  );
  assert.equal(copied.code, 0, copied.stderr);
  assert.match(copied.stderr, /signed sha256:[a-f0-9]{64} with .*cosign\.key: 2 signature\(s\) in sha256-/);
  const verified = await verifyKey(destination);
  assert.equal(verified.code, 0, verified.stderr);
  const identities = (
    JSON.parse(verified.out) as {
      verified: { format: string; payload: { critical: { identity: { 'docker-reference': string } } } }[];
    }
  ).verified
    .filter((v) => v.format === 'tag')
    .map((v) => v.payload.critical.identity['docker-reference'])
    .sort();
  assert.deepEqual(identities, [`${registry.host}/carry-cosigned:v1`, `${registry.host}/carry-src`]);
  // The default signedIdentity (matchRepoDigestOrExact) accepts the signature naming this tag.
  const attachmentsD = join(dir, 'attachments.d');
  await mkdir(attachmentsD);
  await writeFile(join(attachmentsD, 'all.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
  await writeFile(
    join(dir, 'sigstore.json'),
    JSON.stringify({ default: [{ type: 'sigstoreSigned', keyPath: join(dir, 'cosign.pub') }] }),
  );
  const policy = await ocikit([
    'verify',
    '--policy',
    join(dir, 'sigstore.json'),
    '--registries.d',
    attachmentsD,
    destination,
  ]);
  assert.equal(policy.code, 0, policy.stderr);
  const atSource = await ocikit([
    'verify',
    '--policy',
    join(dir, 'sigstore.json'),
    '--registries.d',
    attachmentsD,
    source,
  ]);
  assert.equal(atSource.code, 1);
  assert.match(atSource.stderr, /signature for identity "[^"]*carry-src" is not accepted/);
});

test('--sign-by-sigstore-private-key into an archive is refused before anything is written', async () => {
  const archive = join(dir, 'signed.tar');
  const refused = await ocikit(
    ['copy', '--sign-by-sigstore-private-key', join(dir, 'cosign.key'), source, `oci-archive:${archive}`],
    {
      env: password,
    },
  );
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /UNSUPPORTED: --sign-by-sigstore-private-key signs registry and oci: images only/,
  );
  await assert.rejects(stat(archive));
});

test('skopeo with use-sigstore-attachments copies the cosign signatures ocikit made, and ocikit verifies them there', async () => {
  const attachmentsD = join(dir, 'skopeo-attachments.d');
  await mkdir(attachmentsD);
  await writeFile(join(attachmentsD, 'all.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
  const destination = `${registry.host}/carried-by-skopeo:v1`;
  await run('skopeo', [
    '--registries.d',
    attachmentsD,
    'copy',
    '--quiet',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    `docker://${source}`,
    `docker://${destination}`,
  ]);
  const verified = await verifyKey(destination);
  assert.equal(verified.code, 0, verified.stderr);
  assert.ok(
    (JSON.parse(verified.out) as { verified: { format: string }[] }).verified.some((v) => v.format === 'tag'),
  );
});
