/**
 * Review tests of policy evaluation: the most specific scope decides (containers-policy.json(5)
 * "Policy Requirements": identity, then each namespace, then the transport's "", then default),
 * and a simple signature must be exactly one signature (containers/image refuses a message
 * signed by several keys, even when one of them is trusted).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import {
  atomicPayload,
  enforcePolicy,
  type PolicySubject,
  parsePolicy,
  requirementsFor,
} from '../../src/trust/index.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { generateGpgKey, gpgHome, signedByPolicy, stopGpgAgent, type TestGpgKey } from './gpg-helpers.ts';

const workdir = suiteScratch(after, 'ocikit-policy-review-');
let home: string;
let trusted: TestGpgKey;
let stranger: TestGpgKey;

before(async () => {
  home = await gpgHome(await workdir());
  trusted = await generateGpgKey(home, 'trusted@example.test');
  stranger = await generateGpgKey(home, 'stranger@example.test');
});
after(async () => {
  if (home) await stopGpgAgent(home);
});

const subject: PolicySubject = {
  transport: 'docker',
  identity: 'registry.example/ns/app:1',
  namespaces: ['registry.example/ns/app', 'registry.example/ns', 'registry.example', '*.example'],
  dockerReference: parseReference('registry.example/ns/app:1'),
};

test('the most specific scope decides: the identity, then each namespace in order, then "", then default', () => {
  const scopes = (names: string[]) =>
    parsePolicy(
      Buffer.from(
        JSON.stringify({
          default: [{ type: 'reject' }],
          transports: {
            docker: Object.fromEntries(names.map((n) => [n, [{ type: 'insecureAcceptAnything' }]])),
          },
        }),
      ),
    );
  const all = [
    '',
    '*.example',
    'registry.example',
    'registry.example/ns',
    'registry.example/ns/app',
    'registry.example/ns/app:1',
  ];
  for (let i = all.length; i > 0; i--) {
    const present = all.slice(0, i);
    assert.equal(
      requirementsFor(scopes(present), subject).scope,
      `transports.docker[${JSON.stringify(present.at(-1))}]`,
    );
  }
  assert.equal(requirementsFor(scopes([]), subject).scope, 'default');
  assert.equal(requirementsFor(scopes(['registry.example/n', 'other.example']), subject).scope, 'default');
});

test('a simple signature made by two keys at once is refused, even when one is the trusted key', async () => {
  const digest = `sha256:${'e'.repeat(64)}`;
  const payload = atomicPayload({ identity: 'registry.example/ns/app:1', digest });
  const dir = await workdir();
  const input = join(dir, 'payload.json');
  await writeFile(input, payload);
  const output = join(dir, 'double.sig');
  await run(
    'gpg',
    [
      '--batch',
      '--local-user',
      trusted.fingerprint,
      '--local-user',
      stranger.fingerprint,
      '--output',
      output,
      '--sign',
      input,
    ],
    { env: { GNUPGHOME: home } },
  );
  const blob = await readFile(output);
  const policy = parsePolicy(Buffer.from(signedByPolicy(trusted.publicKeyPath)));
  await assert.rejects(
    enforcePolicy(policy, subject, {
      digest,
      simpleSignatures: async () => [blob],
      sigstoreSignatures: async () => [],
    }),
    (err: unknown) => isOciError(err, ErrorCode.SIGNATURE_INVALID),
  );
});
