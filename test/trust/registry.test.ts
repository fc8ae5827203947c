/**
 * Signing and verifying on a real Distribution registry, through the command: the `.sig` tag
 * scheme (skopeo reads the signature manifest) and sigstore bundles pushed as OCI 1.1 referrers
 * through the referrers tag-schema fallback (this registry has no referrers API). Signatures
 * follow the digest: a re-tag keeps them, another image under the tag has none, and a signature
 * moved to another digest is rejected.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import { RegistryClient } from '../../src/transports/registry/index.ts';
import {
  BUNDLE_V03_MEDIA_TYPE,
  keySigner,
  readPrivateKey,
  signatureTag,
  signImage,
} from '../../src/trust/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { layoutImage } from './helpers.ts';
import { malformedReferrersProxy } from './referrers-fault.ts';

let registry: RunningRegistry;
let dir: string;
const workdir = suiteScratch(after, 'ocikit-trust-registry-');
const env = { COSIGN_PASSWORD: 'registry test' };

before(async () => {
  registry = await startRegistry();
  dir = await workdir();
  const keys = await ocikit(['key', 'generate'], { cwd: dir, env });
  assert.equal(keys.code, 0, keys.stderr);
});
after(async () => {
  await registry?.stop();
});

/** Pushes a umoci-built image to `repo:tag` with skopeo; returns its digest. */
async function push(repo: string, tag: string, content: string): Promise<string> {
  const layout = join(dir, `layout-${repo.replace(/\W/g, '-')}-${tag}`);
  await layoutImage(layout, tag, content);
  await run('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    `oci:${layout}:${tag}`,
    `docker://${registry.host}/${repo}:${tag}`,
  ]);
  return digestOf(`${registry.host}/${repo}:${tag}`);
}

async function digestOf(name: string): Promise<string> {
  const result = await ocikit(['digest', name]);
  assert.equal(result.code, 0, result.stderr);
  return result.out;
}

const key = () => join(dir, 'cosign.key');
const pub = () => join(dir, 'cosign.pub');

test('tag scheme: the command signs and verifies, and skopeo reads the signature manifest', async () => {
  const digest = await push('tagged', 'v1', 'tagged');
  const image = `${registry.host}/tagged:v1`;
  const signed = await ocikit(['sign', image, '--key', key()], { env });
  assert.equal(signed.code, 0, signed.stderr);
  assert.match(signed.out, new RegExp(`^${registry.host}/tagged@sha256:[a-f0-9]{64}$`));
  const again = await ocikit(['sign', image, '--key', key(), '--annotation', 'pipeline=ci'], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /2 signature\(s\) in sha256-/);

  const raw = JSON.parse(
    await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/tagged:${signatureTag(digest)}`,
    ]),
  );
  assert.equal(raw.mediaType, OCI.manifest);
  assert.deepEqual(
    raw.layers.map((l: { mediaType: string }) => l.mediaType),
    ['application/vnd.dev.cosign.simplesigning.v1+json', 'application/vnd.dev.cosign.simplesigning.v1+json'],
  );

  const verified = await ocikit(['verify', image, '--key', pub()]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(verified.out, new RegExp(`^verified ${digest}: 2 valid signature`));
  assert.match(verified.out, new RegExp(`"docker-reference":"${registry.host}/tagged"`));

  const json = await ocikit(['verify', image, '--key', pub(), '--annotation', 'pipeline=ci', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.out);
  assert.equal(report.digest, digest);
  assert.equal(report.verified.length, 1);
  assert.deepEqual(report.verified[0].payload.optional, { pipeline: 'ci' });
  assert.deepEqual(
    report.rejected.map((r: { reason: string }) => r.reason),
    ['annotation-mismatch'],
  );
});

test('bundle: pushed as a referrer through the tag-schema fallback, and verified from there', async () => {
  const digest = await push('bundled', 'v1', 'bundled');
  const image = `${registry.host}/bundled:v1`;
  const signed = await ocikit(
    ['sign', image, '--key', key(), '--format', 'bundle', '--annotation', 'team=a'],
    { env },
  );
  assert.equal(signed.code, 0, signed.stderr);
  const referrer = signed.out.split('@')[1];

  const fallback = JSON.parse(
    await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/bundled:${digest.replace(':', '-')}`,
    ]),
  );
  assert.equal(fallback.mediaType, OCI.index);
  assert.deepEqual(
    fallback.manifests.map((m: { digest: string; artifactType: string }) => [m.digest, m.artifactType]),
    [[referrer, BUNDLE_V03_MEDIA_TYPE]],
  );
  assert.equal(fallback.manifests[0].annotations['dev.sigstore.bundle.content'], 'dsse-envelope');

  const verified = await ocikit(['verify', image, '--key', pub(), '--annotation', 'team=a']);
  assert.equal(verified.code, 0, verified.stderr);
  assert.match(
    verified.out,
    new RegExp(`^bundle referrer ${referrer}: .*"predicateType":"https://sigstore.dev/cosign/sign/v1"`, 'm'),
  );
  const wrong = await ocikit(['verify', image, '--key', pub(), '--annotation', 'team=b']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /rejected bundle signature .*annotation-mismatch/);
  assert.match(wrong.stderr, /^ocikit: SIGNATURE_INVALID: /m);
});

test('signatures follow the digest: a re-tag keeps them, another image under the tag has none', async () => {
  const digest = await push('moving', 'v1', 'first');
  const signed = await ocikit(['sign', `${registry.host}/moving:v1`, '--key', key()], { env });
  assert.equal(signed.code, 0, signed.stderr);
  const bundled = await ocikit(['sign', `${registry.host}/moving:v1`, '--key', key(), '--format', 'bundle'], {
    env,
  });
  assert.equal(bundled.code, 0, bundled.stderr);

  const tagged = await ocikit(['tag', `${registry.host}/moving:v1`, 'stable']);
  assert.equal(tagged.code, 0, tagged.stderr);
  const byOtherTag = await ocikit(['verify', `${registry.host}/moving:stable`, '--key', pub()]);
  assert.equal(byOtherTag.code, 0, byOtherTag.stderr);
  assert.match(byOtherTag.out, new RegExp(`^verified ${digest}: 2 valid`));
  const byDigest = await ocikit(['verify', `${registry.host}/moving@${digest}`, '--key', pub()]);
  assert.equal(byDigest.code, 0, byDigest.stderr);

  const other = await push('moving', 'v1', 'second');
  assert.notEqual(other, digest);
  const unsigned = await ocikit(['verify', `${registry.host}/moving:v1`, '--key', pub()]);
  assert.equal(unsigned.code, 1);
  assert.match(unsigned.stderr, /SIGNATURE_INVALID: .*no signatures were found/);
});

test("a signature manifest copied to another digest's tag is rejected: it signs the first digest", async () => {
  const first = await push('copied', 'a', 'copied a');
  const second = await push('copied', 'b', 'copied b');
  const privateKey = await readPrivateKey(await readFile(key()), env.COSIGN_PASSWORD);
  await signImage(`${registry.host}/copied:a`, keySigner(privateKey));
  const client = new RegistryClient(registry.host);
  try {
    const sig = await client.getManifest('copied', signatureTag(first));
    await client.putManifest('copied', signatureTag(second), sig.bytes, OCI.manifest);
    assert.equal(digestBytes(sig.bytes), sig.digest);
  } finally {
    await client.close();
  }
  const result = await ocikit(['verify', `${registry.host}/copied:b`, '--key', pub(), '--json']);
  assert.equal(result.code, 1);
  const report = JSON.parse(result.out);
  assert.equal(report.digest, second);
  assert.deepEqual(
    report.rejected.map((r: { reason: string }) => r.reason),
    ['digest-mismatch'],
  );
});

test('the command refuses a wrong password, a missing one, and a key of the wrong kind', async () => {
  await push('refusals', 'v1', 'refusals');
  const image = `${registry.host}/refusals:v1`;
  const wrong = await ocikit(['sign', image, '--key', key()], { env: { COSIGN_PASSWORD: 'not it' } });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^ocikit: WRONG_PASSWORD: /);
  const missing = await ocikit(['sign', image, '--key', key()], { env: { COSIGN_PASSWORD: undefined } });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /COSIGN_PASSWORD/);
  const swapped = await ocikit(['verify', image, '--key', key()]);
  assert.equal(swapped.code, 1);
  assert.match(swapped.stderr, /INVALID_ARGUMENT: .*private key/);
  const absent = await ocikit(['verify', image, '--key', join(dir, 'nope.pub')]);
  assert.equal(absent.code, 1);
  assert.match(absent.stderr, /NOT_FOUND/);
  const other = await ocikit(['verify', image, '--key', pub()]);
  assert.equal(other.code, 1, 'an unsigned image does not verify');
});

test('a malformed referrers listing is reported as a rejection; the tag-scheme signatures still count', async () => {
  const digest = await push('listing', 'v1', 'listing');
  const signed = await ocikit(['sign', `${registry.host}/listing:v1`, '--key', key()], { env });
  assert.equal(signed.code, 0, signed.stderr);
  const proxy = await malformedReferrersProxy(registry.host);
  try {
    const result = await ocikit(['verify', `${proxy.host}/listing:v1`, '--key', pub(), '--json']);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.out);
    assert.equal(report.digest, digest);
    assert.deepEqual(
      report.verified.map((v: { format: string }) => v.format),
      ['tag'],
    );
    assert.deepEqual(
      report.rejected.map((r: { source: string; reason: string }) => [r.source, r.reason]),
      [['referrers', 'malformed']],
    );
  } finally {
    await proxy.stop();
  }
});
