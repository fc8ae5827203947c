/**
 * Signing and verifying images in an OCI layout, in both of cosign's formats: the `.sig` tag
 * scheme (appended to, never replaced) and sigstore bundle referrers; and the ways a stored
 * signature stops verifying (another manifest under the name, a signature moved to another
 * digest, a changed payload or annotation).
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { ErrorCode, isOciError, type OciError } from '../../src/errors/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import type { Descriptor, ImageManifest } from '../../src/spec/types.ts';
import { openLayout } from '../../src/store/index.ts';
import {
  BUNDLE_V03_MEDIA_TYPE,
  keySigner,
  type RejectedSignature,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  type SimpleSigningPayload,
  signatureTag,
  signImage,
  verifyImage,
} from '../../src/trust/index.ts';
import { run } from '../helpers/exec.ts';
import { scratch } from '../helpers/tmp.ts';
import { layoutImage, p256 } from './helpers.ts';

/** The rejections of a verification that must fail. */
async function rejected(
  name: string,
  key: KeyObject,
  annotations?: Record<string, string>,
): Promise<RejectedSignature[]> {
  let caught: OciError | undefined;
  await verifyImage(name, key, annotations ? { annotations } : {}).catch((err) => {
    caught = err;
  });
  assert.ok(isOciError(caught, ErrorCode.SIGNATURE_INVALID), `${name} must not verify`);
  return caught.data.rejected as RejectedSignature[];
}

async function manifestAt(
  dir: string,
  ref: string,
): Promise<{ descriptor: Descriptor; value: ImageManifest; bytes: Uint8Array }> {
  const layout = await openLayout(dir);
  const descriptor = await layout.resolve(ref);
  const doc = await layout.readDocument(descriptor);
  assert.equal(doc.kind, 'manifest');
  return { descriptor, value: doc.value as ImageManifest, bytes: doc.bytes };
}

/** Stores `manifest` in the layout under `tag` (its blobs must be there). */
async function putManifest(dir: string, tag: string, manifest: unknown): Promise<void> {
  const layout = await openLayout(dir);
  const bytes = Buffer.from(JSON.stringify(manifest));
  await layout.putBytes(bytes);
  await layout.tag(tag, { mediaType: OCI.manifest, digest: digestBytes(bytes), size: bytes.byteLength });
}

test('tag scheme: sign, verify, and a second signature is appended to the same manifest', async (t) => {
  const dir = join(await scratch(t), 'layout');
  const name = await layoutImage(dir, 'app', 'one');
  const { privateKey, publicKey } = p256();
  const image = await manifestAt(dir, 'app');

  const first = await signImage(name, keySigner(privateKey));
  assert.equal(first.format, 'tag');
  assert.equal(first.digest, image.descriptor.digest);
  assert.equal(first.tag, signatureTag(image.descriptor.digest));
  assert.equal(first.signatures, 1);
  assert.equal(first.reference, `oci:${dir}@${first.signature}`);
  const before = await manifestAt(dir, first.tag as string);
  assert.equal(before.value.mediaType, OCI.manifest);
  assert.equal(before.value.layers.length, 1);
  assert.equal(before.value.layers[0]?.mediaType, SIMPLE_SIGNING_MEDIA_TYPE);
  assert.match(before.value.layers[0]?.annotations?.[SIGNATURE_ANNOTATION] ?? '', /^[A-Za-z0-9+/]+=*$/);

  const second = await signImage(name, keySigner(privateKey), { annotations: { env: 'prod' } });
  assert.equal(second.signatures, 2);
  const after = await manifestAt(dir, first.tag as string);
  assert.deepEqual(after.value.layers[0], before.value.layers[0], 'the first signature is kept as it was');

  const result = await verifyImage(name, publicKey);
  assert.equal(result.digest, image.descriptor.digest);
  assert.deepEqual(
    result.verified.map((v) => v.format),
    ['tag', 'tag'],
  );
  const payload = result.verified[1]?.payload as SimpleSigningPayload;
  assert.equal(payload.critical.image['docker-manifest-digest'], image.descriptor.digest);
  assert.equal(payload.critical.identity['docker-reference'], 'app');
  assert.deepEqual(payload.optional, { env: 'prod' });

  // Only the annotated signature satisfies an annotation; the other says why not.
  const annotated = await verifyImage(name, publicKey, { annotations: { env: 'prod' } });
  assert.equal(annotated.verified.length, 1);
  assert.deepEqual(
    annotated.rejected.map((r) => r.reason),
    ['annotation-mismatch'],
  );

  // The layout stays whole, the image stays the only one `oci:DIR` names, and peers read it.
  const report = await (await openLayout(dir)).fsck();
  assert.ok(report.ok, JSON.stringify(report.problems));
  assert.equal((await verifyImage(`oci:${dir}`, publicKey)).digest, image.descriptor.digest);
  const raw = JSON.parse(await run('skopeo', ['inspect', '--raw', `oci:${dir}:${first.tag}`]));
  assert.equal(raw.layers.length, 2);
  await run('umoci', ['stat', '--image', `${dir}:app`]);
});

test('bundle: a sigstore bundle referrer of the image, found through index.json and kept by gc', async (t) => {
  const dir = join(await scratch(t), 'layout');
  const name = await layoutImage(dir, 'app', 'bundle');
  const { privateKey, publicKey } = p256();
  const image = await manifestAt(dir, 'app');

  const signed = await signImage(name, keySigner(privateKey), {
    format: 'bundle',
    annotations: { team: 'a' },
  });
  assert.equal(signed.format, 'bundle');
  const layout = await openLayout(dir);
  const entry = (await layout.readIndex()).value.manifests.find((d) => d.digest === signed.signature);
  assert.equal(entry?.artifactType, BUNDLE_V03_MEDIA_TYPE);
  assert.equal(entry?.annotations, undefined, 'the referrer has no tag');
  const referrer = await layout.readDocument(entry as Descriptor);
  assert.equal(referrer.kind, 'manifest');
  const value = referrer.value as ImageManifest;
  assert.equal(value.artifactType, BUNDLE_V03_MEDIA_TYPE);
  assert.equal(value.config.mediaType, OCI.empty);
  assert.deepEqual(value.subject, {
    mediaType: image.descriptor.mediaType,
    digest: image.descriptor.digest,
    size: image.descriptor.size,
  });
  assert.equal(value.annotations?.['dev.sigstore.bundle.content'], 'dsse-envelope');
  assert.equal(
    value.annotations?.['dev.sigstore.bundle.predicateType'],
    'https://sigstore.dev/cosign/sign/v1',
  );

  const bundle = JSON.parse((await layout.readBytes(value.layers[0] as Descriptor)).toString('utf8'));
  assert.equal(bundle.mediaType, BUNDLE_V03_MEDIA_TYPE);
  assert.equal(bundle.dsseEnvelope.payloadType, 'application/vnd.in-toto+json');
  const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8'));
  assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
  assert.deepEqual(statement.subject, [
    { digest: { sha256: image.descriptor.digest.slice(7) }, annotations: { team: 'a' } },
  ]);

  const result = await verifyImage(name, publicKey, { annotations: { team: 'a' } });
  assert.deepEqual(
    result.verified.map((v) => [v.format, v.source]),
    [['bundle', `referrer ${signed.signature}`]],
  );
  assert.deepEqual(
    (await rejected(name, publicKey, { team: 'b' })).map((r) => r.reason),
    ['annotation-mismatch'],
  );
  assert.deepEqual(
    (await rejected(name, p256().publicKey)).map((r) => r.reason),
    ['bad-signature'],
  );

  // gc (which drops what umoci left unreferenced) keeps the referrer and its blobs.
  const gc = await layout.gc();
  assert.ok(!gc.removed.includes(signed.signature));
  assert.ok((await layout.fsck()).ok);
  assert.equal((await verifyImage(name, publicKey)).verified.length, 1);
});

test('both formats together: verify reports every signature found', async (t) => {
  const dir = join(await scratch(t), 'layout');
  const name = await layoutImage(dir, 'app', 'both');
  const { privateKey, publicKey } = p256();
  await signImage(name, keySigner(privateKey));
  await signImage(name, keySigner(privateKey), { format: 'bundle' });
  await signImage(name, keySigner(p256().privateKey), { format: 'bundle' });
  const result = await verifyImage(name, publicKey);
  assert.deepEqual(result.verified.map((v) => v.format).sort(), ['bundle', 'tag']);
  assert.deepEqual(
    result.rejected.map((r) => [r.format, r.reason]),
    [['bundle', 'bad-signature']],
  );
});

test('signatures belong to the digest: another image under the name has none, and a signature moved to it is rejected', async (t) => {
  const dir = join(await scratch(t), 'layout');
  const name = await layoutImage(dir, 'app', 'first');
  await layoutImage(dir, 'other', 'second');
  const { privateKey, publicKey } = p256();
  const first = await manifestAt(dir, 'app');
  const second = await manifestAt(dir, 'other');
  const tagged = await signImage(name, keySigner(privateKey));
  const bundled = await signImage(name, keySigner(privateKey), { format: 'bundle' });

  // The tag now names another manifest: nothing signs that one.
  const layout = await openLayout(dir);
  await layout.tag('app', second.descriptor);
  let caught: OciError | undefined;
  await verifyImage(name, publicKey).catch((err) => {
    caught = err;
  });
  assert.ok(isOciError(caught, ErrorCode.SIGNATURE_INVALID));
  assert.match(caught.message, /no signatures were found/);

  // The first image's signature manifest, copied to the second's .sig tag: valid signature, wrong digest.
  const sig = await manifestAt(dir, tagged.tag as string);
  await layout.tag(signatureTag(second.descriptor.digest), sig.descriptor);
  // Its bundle referrer, re-pointed at the second image: the statement still names the first.
  const referrer = await manifestAt(dir, bundled.signature);
  const moved = { ...referrer.value, subject: { ...second.descriptor } };
  await putManifest(dir, 'moved', moved);
  await layout.untag('moved');
  const movedBytes = Buffer.from(JSON.stringify(moved));
  await layout.addUntagged({
    mediaType: OCI.manifest,
    digest: digestBytes(movedBytes),
    size: movedBytes.byteLength,
    artifactType: BUNDLE_V03_MEDIA_TYPE,
  });

  const reasons = (await rejected(`oci:${dir}:other`, publicKey)).map((r) => [r.format, r.reason]);
  assert.deepEqual(reasons, [
    ['tag', 'digest-mismatch'],
    ['bundle', 'digest-mismatch'],
  ]);
  // The first image, by digest, still verifies with both.
  const stillSigned = await verifyImage(`oci:${dir}@${first.descriptor.digest}`, publicKey);
  assert.equal(stillSigned.verified.length, 2);
});

test('a changed payload or signature annotation in the .sig manifest does not verify', async (t) => {
  const dir = join(await scratch(t), 'layout');
  const name = await layoutImage(dir, 'app', 'tamper');
  const { privateKey, publicKey } = p256();
  const signed = await signImage(name, keySigner(privateKey), { annotations: { env: 'test' } });
  const tag = signed.tag as string;
  const layout = await openLayout(dir);
  const original = await manifestAt(dir, tag);
  const layer = original.value.layers[0] as Descriptor;
  const payload = (await layout.readBytes(layer)).toString('utf8');

  // The payload with another annotation value, its old signature kept.
  const changed = Buffer.from(payload.replace('"env":"test"', '"env":"prod"'));
  assert.notEqual(changed.toString(), payload);
  await layout.putBytes(changed);
  const changedLayer = { ...layer, digest: digestBytes(changed), size: changed.byteLength };
  // A signature annotation taken from another payload's signature.
  const other = await signImage(name, keySigner(privateKey), { annotations: { env: 'other' } });
  const otherLayer = (await manifestAt(dir, tag)).value.layers[1] as Descriptor;
  assert.equal(other.signatures, 2);
  const swapped = {
    ...layer,
    annotations: {
      ...layer.annotations,
      [SIGNATURE_ANNOTATION]: otherLayer.annotations?.[SIGNATURE_ANNOTATION] as string,
    },
  };
  await putManifest(dir, tag, { ...original.value, layers: [changedLayer, swapped] });

  const reasons = (await rejected(name, publicKey)).map((r) => r.reason);
  assert.deepEqual(reasons, ['bad-signature', 'bad-signature']);
});

test('a .sig tag holding an index is reported, and signing leaves it alone', async (t) => {
  const dir = join(await scratch(t), 'layout');
  const name = await layoutImage(dir, 'app', 'index');
  const { privateKey, publicKey } = p256();
  const image = await manifestAt(dir, 'app');
  const layout = await openLayout(dir);
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI.index, manifests: [image.descriptor] }),
  );
  await layout.putBytes(index);
  const indexDescriptor = { mediaType: OCI.index, digest: digestBytes(index), size: index.byteLength };
  await layout.tag(signatureTag(image.descriptor.digest), indexDescriptor);

  await assert.rejects(signImage(name, keySigner(privateKey)), (err: unknown) =>
    isOciError(err, ErrorCode.INVALID_DOCUMENT),
  );
  assert.equal((await layout.resolve(signatureTag(image.descriptor.digest))).digest, indexDescriptor.digest);
  assert.deepEqual(
    (await rejected(name, publicKey)).map((r) => r.reason),
    ['malformed'],
  );
});
