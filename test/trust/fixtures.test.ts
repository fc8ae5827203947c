/**
 * Real cosign signatures: the images in skopeo's `dir:` format that containers/image ships as
 * test fixtures (Debian's golang-github-containers-image-dev), signed by cosign with the key in
 * `cosign.pub`. The valid ones verify; each invalid one is rejected for the reason its name gives.
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ErrorCode, isOciError, type OciError } from '../../src/errors/index.ts';
import {
  parseContainersSignature,
  type RejectedSignature,
  readPublicKey,
  type SimpleSigningPayload,
  simpleSigningPayload,
  verifyDirImage,
  verifySimpleSigning,
} from '../../src/trust/index.ts';
import { FIXTURES, p256 } from './helpers.ts';

let key: KeyObject;
before(async () => {
  key = readPublicKey(await readFile(join(FIXTURES, 'cosign.pub')));
});

const VALID_DIGEST = 'sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00';

/** The rejections of a verification that must fail with SIGNATURE_INVALID. */
async function rejections(dir: string, annotations?: Record<string, string>): Promise<RejectedSignature[]> {
  let caught: OciError | undefined;
  await verifyDirImage(join(FIXTURES, dir), key, annotations ? { annotations } : {}).catch((err) => {
    caught = err;
  });
  assert.ok(isOciError(caught, ErrorCode.SIGNATURE_INVALID), `${dir} must not verify`);
  return caught.data.rejected as RejectedSignature[];
}

test('dir-img-cosign-valid verifies, bound to the digest of its manifest', async () => {
  const result = await verifyDirImage(join(FIXTURES, 'dir-img-cosign-valid'), key);
  assert.equal(result.digest, VALID_DIGEST);
  assert.equal(result.verified.length, 1);
  assert.deepEqual(result.rejected, []);
  const payload = result.verified[0]?.payload as SimpleSigningPayload;
  assert.equal(payload.critical.image['docker-manifest-digest'], VALID_DIGEST);
  assert.equal(
    payload.critical.identity['docker-reference'],
    '192.168.64.2:5000/cosign-signed-single-sample',
  );
  assert.equal(payload.critical.type, 'cosign container image signature');
});

test('dir-img-cosign-valid-2 has two valid signatures; -valid-with-tag one whose identity has a tag', async () => {
  const two = await verifyDirImage(join(FIXTURES, 'dir-img-cosign-valid-2'), key);
  assert.equal(two.verified.length, 2);
  const tagged = await verifyDirImage(join(FIXTURES, 'dir-img-cosign-valid-with-tag'), key);
  assert.equal(tagged.verified.length, 1);
  const payload = tagged.verified[0]?.payload as SimpleSigningPayload;
  assert.equal(payload.critical.identity['docker-reference'], '192.168.64.2:5000/skopeo-signed:tag');
  assert.equal(payload.optional?.creator, 'containers/image 5.21.2-dev');
});

test('dir-img-cosign-mixed verifies through its valid signature and says why the other (another key) is rejected', async () => {
  const result = await verifyDirImage(join(FIXTURES, 'dir-img-cosign-mixed'), key);
  assert.equal(result.verified.length, 1);
  assert.deepEqual(
    result.rejected.map((r) => [r.source, r.reason]),
    [['signature-1', 'bad-signature']],
  );
});

test('dir-img-cosign-modified-manifest: the signature is valid but for another manifest digest', async () => {
  const rejected = await rejections('dir-img-cosign-modified-manifest');
  assert.deepEqual(
    rejected.map((r) => r.reason),
    ['digest-mismatch'],
  );
  assert.match(rejected[0]?.message ?? '', new RegExp(VALID_DIGEST));
});

test('dir-img-cosign-manifest-digest-error: a manifest whose digest cannot be computed verifies nothing', async () => {
  const rejected = await rejections('dir-img-cosign-manifest-digest-error');
  assert.deepEqual(
    rejected.map((r) => r.reason),
    ['manifest-digest-error'],
  );
});

test('dir-img-cosign-other-attachment: an attachment that is not a simple-signing payload is not a signature', async () => {
  const rejected = await rejections('dir-img-cosign-other-attachment');
  assert.deepEqual(
    rejected.map((r) => r.reason),
    ['not-a-signature'],
  );
  assert.match(rejected[0]?.message ?? '', /text\/plain/);
});

test('dir-img-cosign-no-manifest: no manifest, nothing to verify (NOT_FOUND)', async () => {
  await assert.rejects(verifyDirImage(join(FIXTURES, 'dir-img-cosign-no-manifest'), key), (err: unknown) => {
    assert.ok(isOciError(err, ErrorCode.NOT_FOUND));
    assert.match(err.message, /manifest\.json/);
    return true;
  });
});

test('unknown-cosign-key.signature verifies with no key but its own; the valid ones fail with another key', async () => {
  const signature = parseContainersSignature(await readFile(join(FIXTURES, 'unknown-cosign-key.signature')));
  assert.throws(
    () => verifySimpleSigning(signature, { digest: VALID_DIGEST, key }),
    (err: unknown) => isOciError(err, ErrorCode.SIGNATURE_INVALID) && err.data.reason === 'bad-signature',
  );
  const other = p256().publicKey;
  let caught: unknown;
  await verifyDirImage(join(FIXTURES, 'dir-img-cosign-valid'), other).catch((err) => {
    caught = err;
  });
  assert.ok(isOciError(caught, ErrorCode.SIGNATURE_INVALID));
  assert.deepEqual(
    (caught.data.rejected as RejectedSignature[]).map((r) => r.reason),
    ['bad-signature'],
  );
});

test('annotations asked for must be signed: the tagged fixture signs creator, the plain one nothing', async () => {
  const ok = await verifyDirImage(join(FIXTURES, 'dir-img-cosign-valid-with-tag'), key, {
    annotations: { creator: 'containers/image 5.21.2-dev' },
  });
  assert.equal(ok.verified.length, 1);
  assert.deepEqual(
    (await rejections('dir-img-cosign-valid-with-tag', { creator: 'someone else' })).map((r) => r.reason),
    ['annotation-mismatch'],
  );
  assert.deepEqual(
    (await rejections('dir-img-cosign-valid', { creator: 'x' })).map((r) => r.reason),
    ['annotation-mismatch'],
  );
});

test('GPG simple signatures next to cosign ones are reported as not cosign signatures', async () => {
  const gpg = await readFile(join(FIXTURES, 'image.signature'));
  assert.throws(
    () => parseContainersSignature(gpg),
    (err: unknown) => isOciError(err, ErrorCode.SIGNATURE_INVALID) && err.data.reason === 'not-a-signature',
  );
});

test('the payload ocikit writes for a digest is byte for byte the one cosign wrote', async () => {
  const cosign = parseContainersSignature(
    await readFile(join(FIXTURES, 'dir-img-cosign-valid', 'signature-1')),
  );
  const ours = simpleSigningPayload({
    identity: '192.168.64.2:5000/cosign-signed-single-sample',
    digest: VALID_DIGEST,
  });
  assert.equal(ours.toString('utf8'), Buffer.from(cosign.payload).toString('utf8'));
});
