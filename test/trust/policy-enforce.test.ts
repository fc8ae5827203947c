/**
 * Enforcement without a registry: `unpack` checks the image against the policy (scopes of the
 * `oci` transport by layout path), names the requirement that failed, writes nothing, and
 * `--insecure-policy` opts out; `copy --sign-by` refuses before writing when it cannot sign; and
 * hostile simple signatures (any byte of a real one changed, random bytes) never pass a
 * signedBy requirement and fail only with typed errors.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import {
  atomicPayload,
  enforcePolicy,
  ephemeralKeyring,
  gpgSign,
  gpgVerify,
  type PolicySubject,
  parsePolicy,
} from '../../src/trust/index.ts';
import { ocikit } from '../helpers/cli.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { generateGpgKey, gpgHome, signedByPolicy, stopGpgAgent, type TestGpgKey } from './gpg-helpers.ts';
import { layoutImage } from './helpers.ts';

const workdir = suiteScratch(after, 'ocikit-policy-');
let dir: string;
let home: string;
let key: TestGpgKey;
let image: string;

before(async () => {
  dir = await workdir();
  home = await gpgHome(dir);
  key = await generateGpgKey(home, 'policy@example.test');
  image = await layoutImage(join(dir, 'layout'), 'v1', 'policy');
});
after(async () => {
  if (home) await stopGpgAgent(home);
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

test('unpack refuses an image its policy rejects, naming the scope and requirement, and writes no bundle', async () => {
  const policy = join(dir, 'reject-layout.json');
  await writeFile(
    policy,
    JSON.stringify({
      default: [{ type: 'insecureAcceptAnything' }],
      transports: {
        oci: { [join(dir, 'layout')]: [{ type: 'insecureAcceptAnything' }, { type: 'reject' }] },
      },
    }),
  );
  // Built by ocikit itself: the layer umoci writes for this test image is one unpack currently
  // refuses on its own (a tar-padding problem outside the policy code).
  const context = join(dir, 'context');
  await mkdir(context);
  await writeFile(join(context, 'hello.txt'), 'policy');
  const built = await ocikit(['append', 'scratch', context, '-t', `oci:${join(dir, 'layout')}:unpack`]);
  assert.equal(built.code, 0, built.stderr);
  const image = `oci:${join(dir, 'layout')}:unpack`;
  const bundle = join(dir, 'bundle-refused');
  const refused = await ocikit(['unpack', '--rootless', '--policy', policy, image, bundle]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /SIGNATURE_INVALID: .*requirement 2 \(reject\) of transports\.oci\[".*layout"\]/,
  );
  assert.equal(await exists(bundle), false);

  const allowed = await ocikit([
    'unpack',
    '--rootless',
    '--insecure-policy',
    '--policy',
    policy,
    image,
    join(dir, 'bundle-ok'),
  ]);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal(await readFile(join(dir, 'bundle-ok/rootfs/hello.txt'), 'utf8'), 'policy');
});

test('a layout has no simple signatures: signedBy refuses it, saying none exists; verify --policy says the same', async () => {
  const policy = join(dir, 'signed-layout.json');
  await writeFile(
    policy,
    JSON.stringify({
      default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: key.publicKeyPath }],
    }),
  );
  const refused = await ocikit(['verify', '--policy', policy, image]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /requirement 1 \(signedBy\) of default is not met: a signature was required, but no signature exists/,
  );
  const accepted = await ocikit([
    'verify',
    '--policy',
    join(dir, 'reject-layout.json'),
    `oci:${join(dir, 'layout')}:v1`,
  ]);
  assert.equal(accepted.code, 1);
  const open = join(dir, 'open.json');
  await writeFile(open, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  const ok = await ocikit(['verify', '--policy', open, image]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.out, /sha256:[a-f0-9]{64} is accepted by/);
});

test('a policy file that does not parse stops the copy with INVALID_DOCUMENT naming the file', async () => {
  const policy = join(dir, 'broken.json');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'signedBy' }] }));
  const result = await ocikit(['copy', '--policy', policy, image, `oci:${join(dir, 'never')}:x`]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /INVALID_DOCUMENT: .*broken\.json: default\[0\]\.keyType/);
  assert.equal(await exists(join(dir, 'never')), false);
});

test('copy --sign-by refuses before writing: a destination that is not a registry, a key the keyring lacks', async () => {
  const toLayout = await ocikit(
    ['copy', '--sign-by', key.fingerprint, image, `oci:${join(dir, 'signed-layout')}:x`],
    {
      env: { GNUPGHOME: home },
    },
  );
  assert.equal(toLayout.code, 1);
  assert.match(toLayout.stderr, /UNSUPPORTED: --sign-by signs registry images only/);
  assert.equal(await exists(join(dir, 'signed-layout')), false);
  const unknown = await ocikit(['copy', '--sign-by', 'F'.repeat(40), image, '127.0.0.1:9/none:x'], {
    env: { GNUPGHOME: home },
  });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /NOT_FOUND: the GPG keyring has no secret key F{40}/);
});

test('property: changed or random simple signatures never satisfy signedBy, and fail with SIGNATURE_INVALID only', async () => {
  const digest = `sha256:${'d'.repeat(64)}`;
  const reference = parseReference('registry.example/app:1');
  const subject: PolicySubject = {
    transport: 'docker',
    identity: 'registry.example/app:1',
    namespaces: ['registry.example/app', 'registry.example'],
    dockerReference: reference,
  };
  const policy = parsePolicy(Buffer.from(signedByPolicy(key.publicKeyPath)));
  const payload = atomicPayload({ identity: 'registry.example/app:1', digest });
  const good = await gpgSign(payload, key.fingerprint, {
    homedir: home,
  });
  const evaluate = (blob: Buffer) =>
    enforcePolicy(policy, subject, {
      digest,
      simpleSignatures: async () => [blob],
      sigstoreSignatures: async () => [],
    });
  await evaluate(good);
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc
          .record({ at: fc.nat(good.byteLength - 1), xor: fc.integer({ min: 1, max: 255 }) })
          .map(({ at, xor }) => {
            const changed = Buffer.from(good);
            changed[at] = (changed[at] as number) ^ xor;
            return changed;
          }),
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      ),
      async (blob) => {
        const outcome = await evaluate(blob).then(
          () => undefined,
          (err: unknown) => err,
        );
        if (outcome === undefined) {
          // OpenPGP signs the literal data, not the packet framing around it (a literal packet's
          // file name and date, the compression): a changed frame may still verify, but then
          // only with exactly the payload that was signed.
          const keyring = await ephemeralKeyring([await readFile(key.publicKeyPath)]);
          try {
            assert.deepEqual((await gpgVerify(keyring, blob)).payload, payload);
          } finally {
            await keyring.close();
          }
          return;
        }
        assert.ok(isOciError(outcome, ErrorCode.SIGNATURE_INVALID), String(outcome));
      },
    ),
    { numRuns: 40 },
  );
});

test('a valid signature of another digest, or claiming another name, is refused with the reason', async () => {
  const digest = `sha256:${'e'.repeat(64)}`;
  const subject: PolicySubject = {
    transport: 'docker',
    identity: 'registry.example/app:1',
    namespaces: ['registry.example/app', 'registry.example'],
    dockerReference: parseReference('registry.example/app:1'),
  };
  const policy = parsePolicy(Buffer.from(signedByPolicy(key.publicKeyPath)));
  const sign = (identity: string, signed: string) =>
    gpgSign(atomicPayload({ identity, digest: signed }), key.fingerprint, { homedir: home });
  const check = async (blob: Buffer) =>
    enforcePolicy(policy, subject, {
      digest,
      simpleSignatures: async () => [blob],
      sigstoreSignatures: async () => [],
    });
  await assert.rejects(
    check(await sign('registry.example/app:1', `sha256:${'f'.repeat(64)}`)),
    /does not match/,
  );
  await assert.rejects(
    check(await sign('registry.example/app:2', digest)),
    /identity "registry\.example\/app:2" is not accepted/,
  );
  await check(await sign('registry.example/app:1', digest));
});

test('an unsigned OpenPGP message holding a valid payload (gpg --store) is refused: a signature is required', async () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const subject: PolicySubject = {
    transport: 'docker',
    identity: 'registry.example/app:1',
    namespaces: ['registry.example/app', 'registry.example'],
    dockerReference: parseReference('registry.example/app:1'),
  };
  const policy = parsePolicy(Buffer.from(signedByPolicy(key.publicKeyPath)));
  const payload = atomicPayload({ identity: 'registry.example/app:1', digest });
  const stored = await runBuffer('gpg', ['--batch', '--homedir', home, '--store', '--output', '-'], payload);
  await assert.rejects(
    enforcePolicy(policy, subject, {
      digest,
      simpleSignatures: async () => [stored],
      sigstoreSignatures: async () => [],
    }),
    (err: unknown) =>
      isOciError(err, ErrorCode.SIGNATURE_INVALID) && /not a GPG signature|does not verify/.test(err.message),
  );
});

/** Runs `program` with `input` on stdin; its stdout. */
function runBuffer(program: string, args: string[], input: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`${program} exited ${code}`)),
    );
    child.stdin.end(input);
  });
}
