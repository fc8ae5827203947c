/**
 * Hostile signature documents: payloads and bundles that are validly signed but say the wrong
 * thing (another digest, another type, duplicate or unknown fields), bad or non-canonical
 * base64, huge documents, envelopes and stores that misbehave. None verifies; each is a typed
 * error whose reason says why, and verification reports it instead of crashing.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { OCI } from '../../src/spec/media-types.ts';
import type { Descriptor, ImageManifest } from '../../src/spec/types.ts';
import { openLayout } from '../../src/store/index.ts';
import {
  BUNDLE_V03_MEDIA_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  keySigner,
  MAX_SIGNATURES,
  preAuthEncoding,
  type RejectedSignature,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  signatureTag,
  signImage,
  signStatement,
  verifyBundle,
  verifyCandidates,
  verifyImage,
  verifySimpleSigning,
} from '../../src/trust/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { layoutImage, p256 } from './helpers.ts';

const { privateKey, publicKey } = p256();
const DIGEST = digestBytes(Buffer.from('the image'));
const OTHER = digestBytes(Buffer.from('another image'));
const expected = { digest: DIGEST, key: publicKey };

/** A simple-signing signature of exactly `payload`, signed with the test key. */
function simple(payload: string | Buffer, annotations?: Record<string, unknown>) {
  const bytes = Buffer.from(payload);
  return {
    mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
    payload: bytes,
    annotations: annotations ?? {
      [SIGNATURE_ANNOTATION]: sign('sha256', bytes, privateKey).toString('base64'),
    },
  };
}

/** A bundle of `statement` signed with the test key over PAE(`payloadType`, statement). */
function bundle(
  statement: string | Buffer,
  options: { payloadType?: string; mediaType?: string; signatures?: unknown[] } = {},
) {
  const payloadType = options.payloadType ?? IN_TOTO_PAYLOAD_TYPE;
  const payload = Buffer.from(statement);
  const sig = sign('sha256', preAuthEncoding(payloadType, payload), privateKey).toString('base64');
  return Buffer.from(
    JSON.stringify({
      mediaType: options.mediaType ?? BUNDLE_V03_MEDIA_TYPE,
      verificationMaterial: { publicKey: { hint: 'x' } },
      dsseEnvelope: {
        payload: payload.toString('base64'),
        payloadType,
        signatures: options.signatures ?? [{ sig }],
      },
    }),
  );
}

/** Asserts `fn` throws an OciError with `reason` (and `code`, default SIGNATURE_INVALID). */
function refuses(fn: () => unknown, reason: string, code: string = ErrorCode.SIGNATURE_INVALID): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isOciError(err), `not an OciError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.data.reason, reason, err.message);
    return true;
  });
}

const payloadFor = (digest: string, optional = 'null') =>
  `{"critical":{"identity":{"docker-reference":"r"},"image":{"docker-manifest-digest":"${digest}"},"type":"cosign container image signature"},"optional":${optional}}`;

test('a well-formed signed payload verifies (the baseline the other cases break)', () => {
  assert.equal(
    verifySimpleSigning(simple(payloadFor(DIGEST)), expected).critical.image['docker-manifest-digest'],
    DIGEST,
  );
  assert.equal(
    verifyBundle(bundle(signStatement(DIGEST)), expected).predicateType,
    'https://sigstore.dev/cosign/sign/v1',
  );
});

test('validly signed payloads that say the wrong thing are rejected for it', () => {
  refuses(() => verifySimpleSigning(simple(payloadFor(OTHER)), expected), 'digest-mismatch');
  refuses(
    () =>
      verifySimpleSigning(
        simple(payloadFor(DIGEST).replace('cosign container image signature', 'atomic container signature')),
        expected,
      ),
    'wrong-type',
  );
  // Two digests in one object: a Go verifier would keep the last, JSON.parse too; neither may be trusted.
  const duplicate = payloadFor(OTHER).replace(
    '"docker-manifest-digest"',
    `"docker-manifest-digest":"${DIGEST}","docker-manifest-digest"`,
  );
  refuses(() => verifySimpleSigning(simple(duplicate), expected), 'malformed', ErrorCode.INVALID_DOCUMENT);
  const unknownCritical = payloadFor(DIGEST).replace('"type":', '"expires":1,"type":');
  refuses(
    () => verifySimpleSigning(simple(unknownCritical), expected),
    'malformed',
    ErrorCode.INVALID_DOCUMENT,
  );
  refuses(
    () => verifySimpleSigning(simple(`${payloadFor(DIGEST).slice(0, -1)},"extra":{}}`), expected),
    'malformed',
    ErrorCode.INVALID_DOCUMENT,
  );
  refuses(() => verifySimpleSigning(simple('[1,2,3]'), expected), 'malformed', ErrorCode.INVALID_DOCUMENT);
  refuses(
    () => verifySimpleSigning(simple(Buffer.from([0xff, 0xfe, 0x7b])), expected),
    'malformed',
    ErrorCode.INVALID_DOCUMENT,
  );
  refuses(
    () => verifySimpleSigning(simple(`${'['.repeat(100_000)}`), expected),
    'malformed',
    ErrorCode.INVALID_DOCUMENT,
  );
  refuses(
    () =>
      verifySimpleSigning(simple(payloadFor(DIGEST, '{"env":1}')), {
        ...expected,
        annotations: { env: '1' },
      }),
    'annotation-mismatch',
  );
});

test('bad, non-canonical, missing or huge signature values are rejected before any use', () => {
  const payload = payloadFor(DIGEST);
  let good = '';
  // A signature whose base64 ends in padding, so its last character has stray low bits.
  while (!good.endsWith('=')) good = sign('sha256', Buffer.from(payload), privateKey).toString('base64');
  refuses(() => verifySimpleSigning(simple(payload, {}), expected), 'malformed');
  refuses(() => verifySimpleSigning(simple(payload, { [SIGNATURE_ANNOTATION]: 42 }), expected), 'malformed');
  refuses(
    () => verifySimpleSigning(simple(payload, { [SIGNATURE_ANNOTATION]: `${good}!` }), expected),
    'malformed',
  );
  refuses(
    () => verifySimpleSigning(simple(payload, { [SIGNATURE_ANNOTATION]: ` ${good}` }), expected),
    'malformed',
  );
  // Node's decoder would ignore the stray low bits of the last character; canonical base64 may not.
  const last = good.replace(/=+$/, '').slice(-1);
  const sibling = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.indexOf(last) ^ 1
  ] as string;
  const stray = good.replace(/.(=*)$/, `${sibling}$1`);
  assert.deepEqual(
    Buffer.from(stray, 'base64'),
    Buffer.from(good, 'base64'),
    'the test needs a same-bytes text',
  );
  refuses(
    () => verifySimpleSigning(simple(payload, { [SIGNATURE_ANNOTATION]: stray }), expected),
    'malformed',
  );
  refuses(
    () => verifySimpleSigning(simple(payload, { [SIGNATURE_ANNOTATION]: 'A'.repeat(10_000) }), expected),
    'too-large',
    ErrorCode.TOO_LARGE,
  );
  refuses(
    () =>
      verifySimpleSigning(
        simple(payload, { [SIGNATURE_ANNOTATION]: Buffer.from('garbage').toString('base64') }),
        expected,
      ),
    'bad-signature',
  );
  refuses(
    () => verifySimpleSigning({ ...simple(payload), mediaType: 'text/plain' }, expected),
    'not-a-signature',
  );
  const huge = simple(Buffer.alloc(5 * 1024 * 1024, 0x20));
  refuses(() => verifySimpleSigning(huge, expected), 'too-large', ErrorCode.TOO_LARGE);
  // Signed by a key of another curve: the P-256 verifying key rejects it.
  const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey;
  const k1 = sign('sha256', Buffer.from(payload), secp256k1).toString('base64');
  refuses(
    () => verifySimpleSigning(simple(payload, { [SIGNATURE_ANNOTATION]: k1 }), expected),
    'bad-signature',
  );
});

test('bundles that are signed but not an image signature for this digest are rejected', () => {
  refuses(() => verifyBundle(bundle(signStatement(OTHER)), expected), 'digest-mismatch');
  refuses(
    () => verifyBundle(bundle(signStatement(DIGEST), { payloadType: 'application/json' }), expected),
    'wrong-type',
  );
  const provenance = signStatement(DIGEST)
    .toString()
    .replace('https://sigstore.dev/cosign/sign/v1', 'https://slsa.dev/provenance/v1');
  refuses(() => verifyBundle(bundle(provenance), expected), 'wrong-type');
  const notInToto = signStatement(DIGEST)
    .toString()
    .replace('https://in-toto.io/Statement/v1', 'https://example.invalid/x');
  refuses(() => verifyBundle(bundle(notInToto), expected), 'wrong-type');
  refuses(
    () =>
      verifyBundle(
        bundle(signStatement(DIGEST), { mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1' }),
        expected,
      ),
    'unsupported',
  );
  refuses(() => verifyBundle(bundle(signStatement(DIGEST), { signatures: [] }), expected), 'malformed');
  refuses(
    () =>
      verifyBundle(bundle(signStatement(DIGEST), { signatures: Array(17).fill({ sig: 'AAAA' }) }), expected),
    'too-large',
  );
  refuses(
    () => verifyBundle(bundle(signStatement(DIGEST), { signatures: [{ sig: '%%%' }] }), expected),
    'malformed',
  );
  refuses(
    () => verifyBundle(bundle(signStatement(DIGEST), { signatures: [{ sig: 5 }] }), expected),
    'malformed',
    ErrorCode.INVALID_DOCUMENT,
  );
  const messageSignature = Buffer.from(
    JSON.stringify({ mediaType: BUNDLE_V03_MEDIA_TYPE, verificationMaterial: {}, messageSignature: {} }),
  );
  refuses(() => verifyBundle(messageSignature, expected), 'not-a-signature');
  refuses(
    () => verifyBundle(Buffer.from('{"mediaType":'), expected),
    'malformed',
    ErrorCode.INVALID_DOCUMENT,
  );
  refuses(
    () => verifyBundle(Buffer.alloc(5 * 1024 * 1024, 0x20), expected),
    'too-large',
    ErrorCode.TOO_LARGE,
  );
  // The statement, once signed, is fixed: another payload under the same signature fails.
  const signed = JSON.parse(bundle(signStatement(DIGEST)).toString());
  signed.dsseEnvelope.payload = Buffer.from(signStatement(DIGEST, { added: 'x' })).toString('base64');
  refuses(() => verifyBundle(Buffer.from(JSON.stringify(signed)), expected), 'bad-signature');
});

test('verification turns each hostile candidate into a rejection with its reason, never a crash', () => {
  const result = verifyCandidates(
    [
      { format: 'tag', source: 'a', ...simple(payloadFor(OTHER)) },
      { format: 'tag', source: 'b', ...simple('not json') },
      { format: 'bundle', source: 'c', bundle: Buffer.from('{}') },
      { format: 'bundle', source: 'd', bundle: bundle(signStatement(DIGEST)) },
    ],
    expected,
  );
  assert.deepEqual(
    result.verified.map((v) => v.source),
    ['d'],
  );
  assert.deepEqual(
    result.rejected.map((r) => [r.source, r.reason]),
    [
      ['a', 'digest-mismatch'],
      ['b', 'malformed'],
      ['c', 'malformed'],
    ],
  );
});

test('a signature manifest with a missing blob, or more layers than the limit, is reported and bounded', async (t) => {
  const dir = join(await scratch(t), 'layout');
  const name = await layoutImage(dir, 'app', 'limits');
  await signImage(name, keySigner(privateKey));
  const layout = await openLayout(dir);
  const image = await layout.resolve('app');
  const tag = signatureTag(image.digest);
  const sig = await layout.readDocument(await layout.resolve(tag));
  const layer = (sig.value as ImageManifest).layers[0] as Descriptor;
  const missing = { ...layer, digest: digestBytes(Buffer.from('never stored')) };
  const put = async (layers: Descriptor[]) => {
    const bytes = Buffer.from(JSON.stringify({ ...sig.value, layers }));
    await layout.putBytes(bytes);
    await layout.tag(tag, { mediaType: OCI.manifest, digest: digestBytes(bytes), size: bytes.byteLength });
  };
  await put([missing, layer]);
  const found = await verifyImage(name, publicKey);
  assert.equal(found.verified.length, 1);
  assert.deepEqual(
    found.rejected.map((r) => r.reason),
    ['unavailable'],
  );

  await put(Array(MAX_SIGNATURES + 5).fill(missing));
  let rejected: RejectedSignature[] = [];
  await verifyImage(name, publicKey).catch((err) => {
    assert.ok(isOciError(err, ErrorCode.SIGNATURE_INVALID));
    rejected = err.data.rejected as RejectedSignature[];
  });
  assert.equal(rejected.length, MAX_SIGNATURES + 1);
  assert.equal(rejected.at(-1)?.reason, 'too-many');
});

test('a verification key of another type or curve is refused, even when it made the signature', () => {
  for (const [name, pair] of [
    ['RSA', generateKeyPairSync('rsa', { modulusLength: 2048 })],
    ['P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' })],
  ] as const) {
    const payload = Buffer.from(payloadFor(DIGEST));
    const signature = sign('sha256', payload, pair.privateKey).toString('base64');
    const candidate = {
      format: 'tag' as const,
      source: name,
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      payload,
      annotations: { [SIGNATURE_ANNOTATION]: signature },
    };
    assert.throws(
      () => verifyCandidates([candidate], { digest: DIGEST, key: pair.publicKey }),
      (err: unknown) => isOciError(err, ErrorCode.UNSUPPORTED),
      name,
    );
    assert.throws(
      () => verifySimpleSigning(candidate, { digest: DIGEST, key: pair.publicKey }),
      (err: unknown) => isOciError(err, ErrorCode.UNSUPPORTED),
    );
    assert.throws(
      () => verifyBundle(bundle(signStatement(DIGEST)), { digest: DIGEST, key: pair.publicKey }),
      (err: unknown) => isOciError(err, ErrorCode.UNSUPPORTED),
    );
  }
});
