/**
 * Every signedIdentity form of containers-policy.json(5), in one table: which identities a
 * signature may claim for an image of a given name (as containers/image matches them: names
 * normalised, a name without tag or digest never matching a rule that needs one).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReference } from '../../src/reference/index.ts';
import { identityMatches, type SignedIdentity } from '../../src/trust/index.ts';

const D = `sha256:${'a'.repeat(64)}`;
const E = `sha256:${'b'.repeat(64)}`;

const exact: SignedIdentity = { type: 'matchExact' };
const repoDigest: SignedIdentity = { type: 'matchRepoDigestOrExact' };
const repository: SignedIdentity = { type: 'matchRepository' };
const exactRef = (dockerReference: string): SignedIdentity => ({ type: 'exactReference', dockerReference });
const exactRepo = (dockerRepository: string): SignedIdentity => ({
  type: 'exactRepository',
  dockerRepository,
});
const remap = (prefix: string, signedPrefix: string): SignedIdentity => ({
  type: 'remapIdentity',
  prefix,
  signedPrefix,
});

/** [rule, the image's name (undefined: no Docker name), the identity the signature claims, accepted?] */
const table: [SignedIdentity, string | undefined, string, boolean][] = [
  [exact, 'registry.example/app:1', 'registry.example/app:1', true],
  [exact, 'busybox:latest', 'docker.io/library/busybox:latest', true],
  [exact, 'registry.example/app:1', 'registry.example/app:2', false],
  [exact, 'registry.example/app:1', 'registry.example/app', false],
  [exact, `registry.example/app@${D}`, `registry.example/app@${D}`, true],
  [exact, `registry.example/app@${D}`, 'registry.example/app:1', false],
  [exact, 'registry.example/app:1', 'not a reference!', false],
  [exact, undefined, 'registry.example/app:1', false],
  [repoDigest, 'registry.example/app:1', 'registry.example/app:1', true],
  [repoDigest, 'registry.example/app:1', 'registry.example/app:2', false],
  [repoDigest, `registry.example/app@${D}`, 'registry.example/app:1', true],
  [repoDigest, `registry.example/app@${D}`, `registry.example/app@${E}`, true],
  [repoDigest, `registry.example/app@${D}`, 'registry.example/other:1', false],
  [repoDigest, `registry.example/app@${D}`, 'registry.example/app', false],
  [repository, 'registry.example/app:1', 'registry.example/app:2', true],
  [repository, 'registry.example/app:1', 'registry.example/app', true],
  [repository, 'registry.example/app:1', 'registry.example/app2:1', false],
  [repository, 'registry.example/app:1', 'mirror.example/app:1', false],
  [exactRef('registry.example/app:1'), 'anything.example/x:9', 'registry.example/app:1', true],
  [exactRef('registry.example/app:1'), undefined, 'registry.example/app:1', true],
  [exactRef('registry.example/app:1'), 'registry.example/app:1', 'registry.example/app:2', false],
  [exactRef('registry.example/app:1'), 'registry.example/app:1', 'registry.example/app', false],
  [exactRepo('registry.example/app'), 'anything.example/x:9', 'registry.example/app:7', true],
  [exactRepo('registry.example/app'), undefined, 'registry.example/app', true],
  [exactRepo('registry.example/app'), 'registry.example/app:1', 'registry.example/other:1', false],
  [remap('mirror.example', 'registry.example'), 'mirror.example/ns/app:1', 'registry.example/ns/app:1', true],
  [
    remap('mirror.example/ns', 'registry.example/team'),
    'mirror.example/ns/app:1',
    'registry.example/team/app:1',
    true,
  ],
  [
    remap('mirror.example/ns', 'registry.example/team'),
    'mirror.example/ns/app:1',
    'mirror.example/ns/app:1',
    false,
  ],
  [
    remap('mirror.example/ns', 'registry.example/team'),
    'mirror.example/nsx/app:1',
    'mirror.example/nsx/app:1',
    true,
  ],
  [
    remap('mirror.example/ns', 'registry.example/team'),
    'mirror.example/nsx/app:1',
    'registry.example/teamx/app:1',
    false,
  ],
  [remap('mirror.example', 'registry.example'), `mirror.example/app@${D}`, 'registry.example/app:3', true],
  [remap('mirror.example', 'registry.example'), 'mirror.example/app:1', 'registry.example/app:2', false],
];

for (const [rule, intended, signed, accepted] of table) {
  const label = `${rule.type}${'prefix' in rule ? `(${rule.prefix} → ${rule.signedPrefix})` : ''}${'dockerReference' in rule ? `(${rule.dockerReference})` : ''}${'dockerRepository' in rule ? `(${rule.dockerRepository})` : ''}`;
  test(`${label}: an image named ${intended ?? '(no Docker name)'} ${accepted ? 'accepts' : 'refuses'} a signature claiming ${signed}`, () => {
    const ref = intended === undefined ? undefined : parseReference(intended);
    assert.equal(identityMatches(rule, ref, signed), accepted);
  });
}
