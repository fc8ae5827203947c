/**
 * The Trust API (`api/images/ID/trust`): every signature and attestation of a signed layout, and
 * with `--key`/`--policy`, whether each verifies and why not (the trust module's own reasons).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningExplorer, startExplorer, type TrustOptions } from '../../src/explore/index.ts';
import { openSource } from '../../src/transports/index.ts';
import { layoutSource } from '../../src/transports/layout/index.ts';
import {
  generateKeyPair,
  keySigner,
  loadPolicy,
  readPrivateKey,
  readPublicKey,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  simpleSigningPayload,
} from '../../src/trust/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { startOcikit } from '../helpers/cli-child.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { json } from './fixtures.ts';
import { PROVENANCE, type SignedImage, writePolicy, writeSignedImage } from './trust-fixtures.ts';

interface Signature {
  kind: string;
  scheme: string;
  source: string;
  referrer?: string;
  predicateType?: string;
  identity?: string;
  keys: { key: string; verified: boolean; reason?: string; message?: string }[];
}

describe('explore trust API', () => {
  const dir = suiteScratch(after);
  let signed: SignedImage;
  const explorers: RunningExplorer[] = [];

  before(async () => {
    signed = await writeSignedImage(await dir());
  });
  after(async () => {
    for (const e of explorers) await e.close();
  });

  async function report(trust: TrustOptions) {
    const explorer = await startExplorer({
      images: [{ name: signed.name, source: layoutSource(signed.name) }],
      trust,
    });
    explorers.push(explorer);
    const res = await fetch(new URL('api/images/0/trust', explorer.url));
    assert.equal(res.status, 200, await res.clone().text());
    return json(res);
  }

  const key = async (path: string) => ({
    name: path.split('/').at(-2) as string,
    key: readPublicKey(await readFile(path)),
  });

  test('without keys: every signature and attestation is listed, none checked', async () => {
    const { subjects, keys, policy } = await report({});
    assert.deepEqual(keys, []);
    assert.equal(policy, null);
    assert.equal(subjects.length, 1);
    assert.equal(subjects[0].digest, signed.manifest);
    const found: Signature[] = subjects[0].signatures;
    assert.deepEqual(
      found.map((s) => [s.kind, s.scheme]),
      [
        ['signature', 'cosign .sig'],
        ['signature', 'cosign .sig'],
        ['attestation', 'cosign .att'],
        ['signature', 'sigstore bundle'],
      ],
    );
    assert.equal(found[0]?.identity, 'localhost:5000/busybox');
    assert.equal(found[2]?.predicateType, PROVENANCE);
    assert.match(found[3]?.referrer ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(found.every((s) => s.keys.length === 0));
  });

  test("with key A: its signatures and attestation verify, key B's signature is rejected as bad-signature", async () => {
    const { subjects, keys } = await report({ keys: [await key(signed.keyA)] });
    assert.deepEqual(keys, ['a']);
    const found: Signature[] = subjects[0].signatures;
    const verdicts = found.map((s) => [s.scheme, s.keys[0]?.verified, s.keys[0]?.reason ?? null]);
    assert.deepEqual(verdicts, [
      ['cosign .sig', true, null],
      ['cosign .sig', false, 'bad-signature'],
      ['cosign .att', true, null],
      ['sigstore bundle', true, null],
    ]);
    assert.match(found[1]?.keys[0]?.message ?? '', /does not verify with the key/);
  });

  test('with both keys: one result per key for each signature', async () => {
    const { subjects } = await report({ keys: [await key(signed.keyA), await key(signed.keyB)] });
    const sig: Signature[] = subjects[0].signatures.filter((s: Signature) => s.scheme === 'cosign .sig');
    assert.deepEqual(
      sig.map((s) => s.keys.map((k) => k.verified)),
      [
        [true, false],
        [false, true],
      ],
    );
  });

  test('a policy accepting key A accepts the image; one naming a key that signed nothing rejects it, with a reason per signature', async () => {
    const path = await writePolicy(join(await dir(), 'policy-a.json'), signed.keyA);
    const loaded = await loadPolicy({ path });
    assert.ok(loaded !== undefined);
    const accepted = await report({ policy: { name: 'policy-a.json', policy: loaded.policy } });
    assert.deepEqual(accepted.subjects[0].policy, { policy: 'policy-a.json', accepted: true });

    // A third key that signed nothing: every signature is rejected, each with its reason.
    const other = join(await dir(), 'other.pub');
    await writeFile(other, (await generateKeyPair('x')).publicKey);
    const path2 = await writePolicy(join(await dir(), 'policy-c.json'), other);
    const loaded2 = await loadPolicy({ path: path2 });
    assert.ok(loaded2 !== undefined);
    const rejected = await report({ policy: { name: 'policy-c.json', policy: loaded2.policy } });
    const verdict = rejected.subjects[0].policy;
    assert.equal(verdict.accepted, false);
    assert.match(verdict.message, /rejected by the policy/);
    assert.equal(verdict.reasons.length, 2);
    assert.ok(verdict.reasons.every((r: string) => /does not verify with the key/.test(r)));
  });

  test("a dir: folder's signature-N files: a cosign one is checked by key and by a dir policy; a GPG one is listed for a policy", async () => {
    const folder = join(await dir(), 'dir-image');
    const copied = await ocikit(['copy', signed.name, `dir:${folder}`]);
    assert.equal(copied.code, 0, copied.stderr);
    const privateKey = await readPrivateKey(
      await readFile(join(signed.keyA, '..', 'cosign.key')),
      'explore',
      'key A',
    );
    const payload = simpleSigningPayload({ identity: 'localhost:5000/busybox', digest: signed.manifest });
    const sig = Buffer.from(await keySigner(privateKey).sign(payload)).toString('base64');
    // signature-1: a GPG simple signature (an OpenPGP packet); signature-2: a cosign one.
    await writeFile(join(folder, 'signature-1'), Buffer.from([0xa3, 0x01, 0x02, 0x03]));
    await writeFile(
      join(folder, 'signature-2'),
      Buffer.concat([
        Buffer.from('\0sigstore-json\n', 'latin1'),
        Buffer.from(
          JSON.stringify({
            mimeType: SIMPLE_SIGNING_MEDIA_TYPE,
            payload: payload.toString('base64'),
            annotations: { [SIGNATURE_ANNOTATION]: sig },
          }),
        ),
      ]),
    );
    const policyPath = join(await dir(), 'dir-policy.json');
    await writeFile(
      policyPath,
      JSON.stringify({
        default: [{ type: 'reject' }],
        transports: {
          dir: {
            '': [
              {
                type: 'sigstoreSigned',
                keyPath: signed.keyA,
                signedIdentity: { type: 'exactRepository', dockerRepository: 'localhost:5000/busybox' },
              },
            ],
          },
        },
      }),
    );
    const loaded = await loadPolicy({ path: policyPath });
    assert.ok(loaded !== undefined);
    const name = `dir:${folder}`;
    const explorer = await startExplorer({
      images: [{ name, source: await openSource(name) }],
      trust: { keys: [await key(signed.keyA)], policy: { name: 'dir-policy.json', policy: loaded.policy } },
    });
    explorers.push(explorer);
    const { subjects } = await json(await fetch(new URL('api/images/0/trust', explorer.url)));
    assert.equal(subjects[0].digest, signed.manifest);
    assert.deepEqual(
      subjects[0].signatures.map((s: Signature) => [
        s.scheme,
        s.source,
        s.keys[0]?.verified,
        s.keys[0]?.reason ?? null,
      ]),
      [
        ['dir (simple signing)', 'signature-1', false, 'not-a-signature'],
        ['dir (cosign)', 'signature-2', true, null],
      ],
    );
    assert.deepEqual(subjects[0].policy, { policy: 'dir-policy.json', accepted: true });
  });

  test('ocikit explore --key and --policy: the Trust API reports with the named files', async (t) => {
    const policy = await writePolicy(join(await dir(), 'policy-cli.json'), signed.keyA);
    const run = startOcikit([
      'explore',
      signed.name,
      '--key',
      signed.keyA,
      '--key',
      signed.keyB,
      '--policy',
      policy,
    ]);
    t.after(() => {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
    });
    let out = '';
    run.child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    await run.until('it printed its URL', () => out.includes('\n'));
    const url = out.trim();
    const info = await json(await fetch(new URL('api/info', url)));
    assert.deepEqual(info, { mode: 'images', keys: ['cosign.pub', 'cosign.pub'], policy: 'policy-cli.json' });
    const trust = await json(await fetch(new URL('api/images/0/trust', url)));
    assert.equal(trust.subjects[0].policy.accepted, true);
    assert.equal(trust.subjects[0].signatures[0].keys.length, 2);
    run.child.kill('SIGTERM');
    await run.ended;
  });

  test('ocikit explore refuses a --key that is not a public key before it serves anything', async () => {
    const notKey = await writePolicy(join(await dir(), 'not-a-key.json'), signed.keyA);
    const run = startOcikit(['explore', signed.name, '--key', notKey]);
    const end = await run.ended;
    assert.equal(end.code, 1);
    assert.equal(end.stdout.length, 0, 'no URL was printed');
  });
});
