/**
 * Simple signing with GPG, ocikit ⇄ skopeo, on a real registry with lookaside storage in a temp
 * registries.d: an image `ocikit copy --sign-by` signed is accepted by `skopeo copy` under a
 * policy requiring that key and refused under one requiring another; an image `skopeo copy
 * --sign-by` signed is accepted and refused the same way by `ocikit copy`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { freePort, type RunningRegistry, startRegistry } from '../helpers/registry.ts';
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
let signer: TestGpgKey;
let other: TestGpgKey;
let registriesD: string;
let lookaside: string;
const workdir = suiteScratch(after, 'ocikit-simple-');

before(async () => {
  registry = await startRegistry();
  dir = await workdir();
  home = await gpgHome(dir);
  signer = await generateGpgKey(home, 'signer@example.test');
  other = await generateGpgKey(home, 'other@example.test');
  registriesD = join(dir, 'registries.d');
  lookaside = join(dir, 'sigstore');
  await run('mkdir', ['-p', registriesD]);
  await writeFile(join(registriesD, 'default.yaml'), `default-docker:\n  lookaside: file://${lookaside}\n`);
  await writeFile(join(dir, 'accept.json'), signedByPolicy(signer.publicKeyPath));
  await writeFile(join(dir, 'other.json'), signedByPolicy(other.publicKeyPath));
});
after(async () => {
  await registry?.stop();
  if (home) await stopGpgAgent(home);
});

const env = () => ({ GNUPGHOME: home });

async function pushUnsigned(repo: string, content: string): Promise<string> {
  const layout = join(dir, `layout-${repo}`);
  const image = await layoutImage(layout, 'v1', content);
  await run('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    image,
    `docker://${registry.host}/${repo}:v1`,
  ]);
  return `${registry.host}/${repo}:v1`;
}

function skopeoPull(image: string, policy: string): Promise<{ ok: boolean; stderr: string }> {
  return skopeoPullSigned(image, join(dir, policy), registriesD, dir);
}

test('an image ocikit signed with --sign-by is accepted by skopeo under a policy requiring that key, refused under another', async () => {
  const source = await pushUnsigned('plain', 'ocikit signs');
  const destination = `${registry.host}/signed-by-ocikit:v1`;
  const copied = await ocikit(
    ['copy', '--registries.d', registriesD, '--sign-by', signer.fingerprint, source, destination],
    { env: env() },
  );
  assert.equal(copied.code, 0, copied.stderr);
  const digest = copied.out.split('@')[1] ?? '';
  const stored = await readdir(join(lookaside, `signed-by-ocikit@sha256=${digest.slice('sha256:'.length)}`));
  assert.deepEqual(stored, ['signature-1']);

  const accepted = await skopeoPull(destination, 'accept.json');
  assert.equal(accepted.ok, true, accepted.stderr);
  const refused = await skopeoPull(destination, 'other.json');
  assert.equal(refused.ok, false);
  assert.match(refused.stderr, /not accepted|signature/i);
});

test('an image skopeo signed with --sign-by is accepted by ocikit under a policy requiring that key, refused under another', async () => {
  const layout = join(dir, 'layout-skopeo');
  const image = await layoutImage(layout, 'v1', 'skopeo signs');
  const destination = `${registry.host}/signed-by-skopeo:v1`;
  await run(
    'skopeo',
    [
      '--registries.d',
      registriesD,
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      '--sign-by',
      signer.fingerprint,
      image,
      `docker://${destination}`,
    ],
    { env: env() },
  );
  const accepted = await ocikit([
    'copy',
    '--policy',
    join(dir, 'accept.json'),
    '--registries.d',
    registriesD,
    destination,
    `oci:${join(dir, 'out-accepted')}:x`,
  ]);
  assert.equal(accepted.code, 0, accepted.stderr);

  const refused = await ocikit([
    'copy',
    '--policy',
    join(dir, 'other.json'),
    '--registries.d',
    registriesD,
    destination,
    `oci:${join(dir, 'out-refused')}:x`,
  ]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /SIGNATURE_INVALID: .*rejected by the policy: requirement 1 \(signedBy\) of transports\.docker\[""\]/,
  );
  assert.match(refused.stderr, /not accepted|does not list/);
  await assert.rejects(readdir(join(dir, 'out-refused')), 'nothing is written when the policy refuses');

  const insecure = await ocikit([
    'copy',
    '--insecure-policy',
    '--policy',
    join(dir, 'other.json'),
    destination,
    `oci:${join(dir, 'out-insecure')}:x`,
  ]);
  assert.equal(insecure.code, 0, insecure.stderr);
});

test('a signature claims the destination name: the same digest under another tag is refused by matchRepoDigestOrExact and accepted by matchRepository', async () => {
  const signed = `${registry.host}/signed-by-skopeo:v1`;
  const retagged = `${registry.host}/signed-by-skopeo:v2`;
  const tagged = await ocikit(['copy', '--insecure-policy', signed, retagged]);
  assert.equal(tagged.code, 0, tagged.stderr);
  const exact = await ocikit([
    'copy',
    '--policy',
    join(dir, 'accept.json'),
    '--registries.d',
    registriesD,
    retagged,
    `oci:${join(dir, 'out-retagged')}:x`,
  ]);
  assert.equal(exact.code, 1);
  assert.match(exact.stderr, /signature for identity "[^"]*signed-by-skopeo:v1" is not accepted/);

  await writeFile(join(dir, 'repo.json'), signedByPolicy(signer.publicKeyPath, { type: 'matchRepository' }));
  const repository = await ocikit([
    'copy',
    '--policy',
    join(dir, 'repo.json'),
    '--registries.d',
    registriesD,
    retagged,
    `oci:${join(dir, 'out-repository')}:x`,
  ]);
  assert.equal(repository.code, 0, repository.stderr);
});

/** Serves `root` over HTTP on loopback with Python's http.server; returns its base URL and a stop function. */
async function serve(root: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(port)], {
    cwd: root,
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    const up = await fetch(`${url}/`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { url, stop: () => server.kill() };
    await sleep(50);
  }
  server.kill();
  throw new Error('the HTTP server did not start');
}

test('signatures staged to a file:// folder are read back over an http:// lookaside (verify --policy)', async (t) => {
  const destination = `${registry.host}/signed-over-http:v1`;
  const layout = join(dir, 'layout-http');
  const image = await layoutImage(layout, 'v1', 'served over http');
  const staging = join(dir, 'staging');
  await mkdir(staging);
  const server = await serve(staging);
  t.after(server.stop);
  const httpD = join(dir, 'registries-http.d');
  await mkdir(httpD);
  await writeFile(
    join(httpD, 'sigs.yaml'),
    `docker:\n  ${registry.host}:\n    lookaside: ${server.url}\n    lookaside-staging: file://${staging}\n`,
  );
  await run(
    'skopeo',
    [
      '--registries.d',
      httpD,
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      '--sign-by',
      signer.fingerprint,
      image,
      `docker://${destination}`,
    ],
    { env: env() },
  );
  const accepted = await ocikit([
    'verify',
    '--policy',
    join(dir, 'accept.json'),
    '--registries.d',
    httpD,
    destination,
  ]);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.match(accepted.out, /is accepted by/);
  const refused = await ocikit([
    'verify',
    '--policy',
    join(dir, 'other.json'),
    '--registries.d',
    httpD,
    destination,
  ]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /signedBy/);
  // Without the http lookaside (the default-docker file one), there is no signature.
  const elsewhere = await ocikit([
    'verify',
    '--policy',
    join(dir, 'accept.json'),
    '--registries.d',
    registriesD,
    destination,
  ]);
  assert.equal(elsewhere.code, 1);
  assert.match(elsewhere.stderr, /no signature exists/);
});

test('sigstoreSigned: a cosign-style signature ocikit made is accepted with use-sigstore-attachments, refused for another key', async () => {
  const password = { COSIGN_PASSWORD: 'sigstore policy' };
  const keys = join(dir, 'cosign-keys');
  await mkdir(keys);
  assert.equal((await ocikit(['key', 'generate'], { cwd: keys, env: password })).code, 0);
  assert.equal(
    (await ocikit(['key', 'generate', '--output-prefix', 'other'], { cwd: keys, env: password })).code,
    0,
  );
  const destination = await pushUnsigned('cosigned', 'sigstore signed');
  const signed = await ocikit(['sign', destination, '--key', join(keys, 'cosign.key')], { env: password });
  assert.equal(signed.code, 0, signed.stderr);
  const attachmentsD = join(dir, 'registries-attachments.d');
  await mkdir(attachmentsD);
  await writeFile(join(attachmentsD, 'all.yaml'), 'default-docker:\n  use-sigstore-attachments: true\n');
  const policy = (key: string) =>
    JSON.stringify({
      default: [{ type: 'insecureAcceptAnything' }],
      transports: {
        docker: {
          '': [
            { type: 'sigstoreSigned', keyPath: join(keys, key), signedIdentity: { type: 'matchRepository' } },
          ],
        },
      },
    });
  await writeFile(join(dir, 'sigstore-accept.json'), policy('cosign.pub'));
  await writeFile(join(dir, 'sigstore-other.json'), policy('other.pub'));

  // Debian's skopeo is built with sigstore verification disabled ("Debian-local change"), so
  // only ocikit evaluates sigstoreSigned here.

  const accepted = await ocikit([
    'verify',
    '--policy',
    join(dir, 'sigstore-accept.json'),
    '--registries.d',
    attachmentsD,
    destination,
  ]);
  assert.equal(accepted.code, 0, accepted.stderr);
  const refused = await ocikit([
    'verify',
    '--policy',
    join(dir, 'sigstore-other.json'),
    '--registries.d',
    attachmentsD,
    destination,
  ]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /requirement 1 \(sigstoreSigned\).*does not verify with the key/);
  // Without use-sigstore-attachments the attachments are not looked at.
  const unread = await ocikit([
    'verify',
    '--policy',
    join(dir, 'sigstore-accept.json'),
    '--registries.d',
    registriesD,
    destination,
  ]);
  assert.equal(unread.code, 1);
  assert.match(unread.stderr, /no signature exists/);
});
