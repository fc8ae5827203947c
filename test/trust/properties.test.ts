/**
 * Property tests: signature documents changed in any way an attacker can (any byte of a signed
 * payload, of a signature, of a bundle; any JSON value put anywhere in a signed document) never
 * verify; and every parser and verifier fed random input throws nothing but an OciError.
 */
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { digestBytes } from '../../src/digest/index.ts';
import { isOciError } from '../../src/errors/index.ts';
import {
  BUNDLE_V03_MEDIA_TYPE,
  decodeBase64,
  IN_TOTO_PAYLOAD_TYPE,
  openWithPassword,
  parseContainersSignature,
  parseDsseBundle,
  parseSignStatement,
  parseSimpleSigningPayload,
  preAuthEncoding,
  readPrivateKey,
  readPublicKey,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  sealWithPassword,
  signStatement,
  simpleSigningPayload,
  verifyBundle,
  verifySimpleSigning,
} from '../../src/trust/index.ts';
import { p256 } from './helpers.ts';

const RUNS = { numRuns: 300 };
const { privateKey, publicKey } = p256();
const DIGEST = digestBytes(Buffer.from('image'));
const expected = { digest: DIGEST, key: publicKey };

const payload = simpleSigningPayload({
  identity: 'registry.test/app',
  digest: DIGEST,
  annotations: { a: 'b' },
});
const signature = sign('sha256', payload, privateKey).toString('base64');
const statement = signStatement(DIGEST, { a: 'b' });
const envelopeSignature = sign(
  'sha256',
  preAuthEncoding(IN_TOTO_PAYLOAD_TYPE, statement),
  privateKey,
).toString('base64');
/** A minimal bundle: every byte of it is signed, or is structure whose change breaks it. */
const bundle = Buffer.from(
  JSON.stringify({
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {},
    dsseEnvelope: {
      payload: statement.toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: envelopeSignature }],
    },
  }),
);

/** Runs `fn`, requiring that it throws an OciError (a document that must not verify). */
function neverVerifies(fn: () => unknown): void {
  let threw: unknown;
  try {
    fn();
  } catch (err) {
    threw = err;
  }
  assert.ok(threw !== undefined, 'a mutated document verified');
  assert.ok(isOciError(threw), `not an OciError: ${String((threw as Error)?.stack ?? threw)}`);
}

/** Runs `fn`, allowing a result or an OciError, nothing else. */
async function onlyOciErrors(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    assert.ok(isOciError(err), `not an OciError: ${String((err as Error)?.stack ?? err)}`);
  }
}

/** `bytes` with the byte at `index` (mod length) xored with `mask` (1-255): always a change. */
function flip(bytes: Uint8Array, index: number, mask: number): Buffer {
  const out = Buffer.from(bytes);
  const at = index % out.byteLength;
  out[at] = (out[at] as number) ^ mask;
  return out;
}

const byteFlip = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 }));

test('the unmutated documents verify (so the properties below test the mutations)', () => {
  verifySimpleSigning(
    { mediaType: SIMPLE_SIGNING_MEDIA_TYPE, payload, annotations: { [SIGNATURE_ANNOTATION]: signature } },
    expected,
  );
  verifyBundle(bundle, expected);
});

test('a simple-signing payload with any byte changed never verifies', () => {
  fc.assert(
    fc.property(byteFlip, ([index, mask]) => {
      const changed = flip(payload, index, mask);
      neverVerifies(() =>
        verifySimpleSigning(
          {
            mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
            payload: changed,
            annotations: { [SIGNATURE_ANNOTATION]: signature },
          },
          expected,
        ),
      );
    }),
    RUNS,
  );
});

test('a signature annotation with any character changed, added or removed never verifies', () => {
  const edits = fc.oneof(
    fc.tuple(fc.constant('replace' as const), fc.nat(), fc.string({ minLength: 1, maxLength: 1 })),
    fc.tuple(fc.constant('insert' as const), fc.nat(), fc.string({ minLength: 1, maxLength: 3 })),
    fc.tuple(fc.constant('delete' as const), fc.nat(), fc.constant('')),
  );
  fc.assert(
    fc.property(edits, ([kind, index, text]) => {
      const at = index % signature.length;
      const changed =
        kind === 'replace'
          ? signature.slice(0, at) + text + signature.slice(at + 1)
          : kind === 'insert'
            ? signature.slice(0, at) + text + signature.slice(at)
            : signature.slice(0, at) + signature.slice(at + 1);
      fc.pre(changed !== signature);
      neverVerifies(() =>
        verifySimpleSigning(
          { mediaType: SIMPLE_SIGNING_MEDIA_TYPE, payload, annotations: { [SIGNATURE_ANNOTATION]: changed } },
          expected,
        ),
      );
    }),
    RUNS,
  );
});

test('a bundle with any byte changed never verifies', () => {
  fc.assert(
    fc.property(byteFlip, ([index, mask]) => {
      neverVerifies(() => verifyBundle(flip(bundle, index, mask), expected));
    }),
    RUNS,
  );
});

/** Every path (array of keys) to a value inside `value`. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

/** A copy of `doc` with the value at `path` replaced by `value` (the root when the path is empty). */
function replaced(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path.at(-1) as string | number] = value;
  return copy;
}

test('any JSON value put anywhere in a signed payload or statement, without a new signature, never verifies', () => {
  const payloadDoc = JSON.parse(payload.toString());
  const statementDoc = JSON.parse(statement.toString());
  const payloadPaths = paths(payloadDoc);
  const statementPaths = paths(statementDoc);
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.jsonValue(), (i, j, value) => {
      const changedPayload = Buffer.from(
        JSON.stringify(replaced(payloadDoc, payloadPaths[i % payloadPaths.length] ?? [], value)),
      );
      fc.pre(!changedPayload.equals(payload));
      neverVerifies(() =>
        verifySimpleSigning(
          {
            mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
            payload: changedPayload,
            annotations: { [SIGNATURE_ANNOTATION]: signature },
          },
          expected,
        ),
      );
      const changedStatement = Buffer.from(
        JSON.stringify(replaced(statementDoc, statementPaths[j % statementPaths.length] ?? [], value)),
      );
      if (changedStatement.equals(statement)) return;
      const doc = JSON.parse(bundle.toString());
      doc.dsseEnvelope.payload = changedStatement.toString('base64');
      neverVerifies(() => verifyBundle(Buffer.from(JSON.stringify(doc)), expected));
    }),
    RUNS,
  );
});

test('any JSON value put anywhere in a bundle either leaves it verifying (unsigned material) or is refused with an OciError', () => {
  const doc = JSON.parse(bundle.toString());
  const all = paths(doc);
  fc.assert(
    fc.property(fc.nat(), fc.jsonValue(), (i, value) => {
      const path = all[i % all.length] ?? [];
      const changed = Buffer.from(JSON.stringify(replaced(doc, path, value)));
      const signedPart = path[0] === 'dsseEnvelope' || path[0] === 'mediaType' || path.length === 0;
      if (
        signedPart &&
        !changed.equals(bundle) &&
        JSON.stringify(replaced(doc, path, value)) !== JSON.stringify(doc)
      ) {
        neverVerifies(() => verifyBundle(changed, expected));
      } else {
        let failure: unknown;
        try {
          verifyBundle(changed, expected);
        } catch (err) {
          failure = err;
        }
        assert.ok(failure === undefined || isOciError(failure), String(failure));
      }
    }),
    RUNS,
  );
});

test('every parser and verifier, fed random bytes or JSON, throws nothing but an OciError', async () => {
  const parsers: ((bytes: Uint8Array) => unknown)[] = [
    parseSimpleSigningPayload,
    parseSignStatement,
    parseDsseBundle,
    parseContainersSignature,
    (b) => parseContainersSignature(Buffer.concat([Buffer.from('\0sigstore-json\n'), b])),
    (b) => readPublicKey(b),
    (b) =>
      readPublicKey(
        `-----BEGIN PUBLIC KEY-----\n${Buffer.from(b).toString('base64')}\n-----END PUBLIC KEY-----\n`,
      ),
    (b) => decodeBase64(Buffer.from(b).toString('latin1'), 'x', { urlSafe: true }),
    (b) => verifyBundle(b, expected),
    (b) =>
      verifySimpleSigning(
        {
          mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
          payload: b,
          annotations: { [SIGNATURE_ANNOTATION]: signature },
        },
        expected,
      ),
  ];
  const inputs = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc
      .record({
        mediaType: fc.constantFrom(BUNDLE_V03_MEDIA_TYPE, 'x'),
        verificationMaterial: fc.jsonValue(),
        dsseEnvelope: fc.jsonValue(),
      })
      .map((v) => Buffer.from(JSON.stringify(v))),
  );
  await fc.assert(
    fc.asyncProperty(inputs, async (bytes) => {
      for (const parse of parsers) await onlyOciErrors(() => parse(bytes));
      await onlyOciErrors(() =>
        verifySimpleSigning(
          {
            mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
            payload,
            annotations: JSON.parse(JSON.stringify({ [SIGNATURE_ANNOTATION]: bytes.toString() })),
          },
          expected,
        ),
      );
    }),
    RUNS,
  );
  await fc.assert(
    fc.asyncProperty(fc.anything(), async (annotations) => {
      await onlyOciErrors(() =>
        verifySimpleSigning(
          {
            mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
            payload,
            annotations: annotations as Record<string, unknown>,
          },
          expected,
        ),
      );
      await onlyOciErrors(() =>
        verifySimpleSigning(
          {
            mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
            payload,
            annotations: { [SIGNATURE_ANNOTATION]: annotations },
          },
          expected,
        ),
      );
    }),
    RUNS,
  );
});

test('encrypted keys with any byte changed or random envelopes give an OciError, never a key', async () => {
  // The cheapest parameter set the format allows keeps each try short; a wrong one is refused.
  const der = privateKey.export({ type: 'pkcs8', format: 'der' });
  const sealed = await sealWithPassword(der, 'pw', { N: 32768, r: 8, p: 1 });
  const pem = (body: Uint8Array) =>
    `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${Buffer.from(body).toString('base64')}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`;
  await readPrivateKey(pem(sealed), 'pw');
  await fc.assert(
    fc.asyncProperty(byteFlip, async ([index, mask]) => {
      let threw: unknown;
      try {
        await readPrivateKey(pem(flip(sealed, index, mask)), 'pw');
      } catch (err) {
        threw = err;
      }
      // A flip inside the JSON structure (a key name's case, say) may leave an equal envelope.
      if (threw !== undefined) assert.ok(isOciError(threw), String(threw));
    }),
    { numRuns: 25 },
  );
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), async (value) => {
      await onlyOciErrors(() => openWithPassword(Buffer.from(JSON.stringify(value) ?? 'null'), 'pw'));
    }),
    RUNS,
  );
});
