/**
 * policy.json parsing (containers-policy.json(5)): what the containers tools accept is read with
 * the same meaning (defaults included), and every malformed or hostile policy is refused with an
 * INVALID_DOCUMENT naming where the problem is; property tests: any JSON, any mutation of a valid
 * policy, gives a policy or a typed error, never anything else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, isOciError } from '../../src/errors/index.ts';
import { parsePolicy, parseRegistriesFile } from '../../src/trust/index.ts';

const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

test('a full policy is read with its scopes, key sources and the default signedIdentity', () => {
  const policy = parsePolicy(
    bytes({
      default: [{ type: 'reject' }],
      transports: {
        docker: {
          'registry.example/app': [
            { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/keys/a.gpg' },
            { type: 'sigstoreSigned', keyData: Buffer.from('PEM').toString('base64') },
          ],
          'registry.example': [
            {
              type: 'signedBy',
              keyType: 'GPGKeys',
              keyPaths: ['/a', '/b'],
              signedIdentity: { type: 'matchRepository' },
            },
          ],
          '': [{ type: 'insecureAcceptAnything' }],
        },
        oci: { '/srv/layouts': [{ type: 'insecureAcceptAnything' }] },
        'some-future-transport': { x: [{ type: 'reject' }] },
      },
    }),
  );
  assert.deepEqual(policy.default, [{ type: 'reject' }]);
  const docker = policy.transports.get('docker');
  assert.deepEqual(docker?.get('registry.example/app')?.[0], {
    type: 'signedBy',
    keyType: 'GPGKeys',
    keyPath: '/keys/a.gpg',
    signedIdentity: { type: 'matchRepoDigestOrExact' },
  });
  const sigstore = docker?.get('registry.example/app')?.[1];
  assert.equal(sigstore?.type, 'sigstoreSigned');
  assert.equal(sigstore?.type === 'sigstoreSigned' && sigstore.keyData?.toString(), 'PEM');
  assert.deepEqual(docker?.get('registry.example')?.[0], {
    type: 'signedBy',
    keyType: 'GPGKeys',
    keyPaths: ['/a', '/b'],
    signedIdentity: { type: 'matchRepository' },
  });
  assert.ok(policy.transports.get('oci')?.has('/srv/layouts'));
});

const invalid: [string, unknown, RegExp][] = [
  ['not JSON', '{"default": [', /policy\.json/],
  ['not an object', [], /must be a JSON object/],
  ['no default', { transports: {} }, /default policy is missing/],
  ['an unknown top-level field', { default: [{ type: 'reject' }], extra: 1 }, /unknown field "extra"/],
  ['an empty requirement list', { default: [] }, /default: the list of requirements must not be empty/],
  [
    'an unknown requirement type',
    { default: [{ type: 'acceptAll' }] },
    /default\[0\]\.type: unknown policy requirement type "acceptAll"/,
  ],
  ['a requirement without type', { default: [{}] }, /default\[0\]\.type: must be a string/],
  ['an extra field on reject', { default: [{ type: 'reject', keyPath: '/x' }] }, /unknown field "keyPath"/],
  [
    'signedBy without keyType',
    { default: [{ type: 'signedBy', keyPath: '/k' }] },
    /keyType: must be a string/,
  ],
  [
    'signedBy with X.509 keys',
    { default: [{ type: 'signedBy', keyType: 'X509Certificates', keyPath: '/k' }] },
    /not supported/,
  ],
  [
    'signedBy without a key',
    { default: [{ type: 'signedBy', keyType: 'GPGKeys' }] },
    /exactly one of keyPath, keyPaths and keyData/,
  ],
  [
    'signedBy with two key sources',
    { default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/a', keyData: 'AA==' }] },
    /exactly one of keyPath, keyPaths and keyData/,
  ],
  [
    'keyData that is not base64',
    { default: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: 'not base64!' }] },
    /keyData/,
  ],
  [
    'keyPaths empty',
    { default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPaths: [] }] },
    /keyPaths: must be a non-empty array/,
  ],
  [
    'keyPaths with a number',
    { default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPaths: [1] }] },
    /keyPaths\[0\]: must be a string/,
  ],
  [
    'sigstoreSigned without a key',
    { default: [{ type: 'sigstoreSigned' }] },
    /exactly one of keyPath and keyData/,
  ],
  [
    'an unknown signedIdentity',
    {
      default: [
        { type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'matchAnything' } },
      ],
    },
    /unknown signedIdentity type "matchAnything"/,
  ],
  [
    'exactReference without tag',
    {
      default: [
        {
          type: 'signedBy',
          keyType: 'GPGKeys',
          keyPath: '/k',
          signedIdentity: { type: 'exactReference', dockerReference: 'registry.example/app' },
        },
      ],
    },
    /neither a tag nor a digest/,
  ],
  [
    'exactReference not a reference',
    {
      default: [
        {
          type: 'signedBy',
          keyType: 'GPGKeys',
          keyPath: '/k',
          signedIdentity: { type: 'exactReference', dockerReference: 'UPPER/Case:x' },
        },
      ],
    },
    /invalid reference/,
  ],
  [
    'exactRepository not a reference',
    {
      default: [
        {
          type: 'signedBy',
          keyType: 'GPGKeys',
          keyPath: '/k',
          signedIdentity: { type: 'exactRepository', dockerRepository: '::' },
        },
      ],
    },
    /invalid repository/,
  ],
  [
    'remapIdentity with an invalid prefix',
    {
      default: [
        {
          type: 'signedBy',
          keyType: 'GPGKeys',
          keyPath: '/k',
          signedIdentity: {
            type: 'remapIdentity',
            prefix: 'registry.example/Upper',
            signedPrefix: 'registry.example/app',
          },
        },
      ],
    },
    /prefix "registry.example\/Upper" is not valid/,
  ],
  [
    'matchExact with an extra field',
    {
      default: [
        {
          type: 'signedBy',
          keyType: 'GPGKeys',
          keyPath: '/k',
          signedIdentity: { type: 'matchExact', dockerReference: 'a/b:1' },
        },
      ],
    },
    /unknown field "dockerReference"/,
  ],
  [
    'a relative oci scope',
    { default: [{ type: 'reject' }], transports: { oci: { 'rel/dir': [{ type: 'reject' }] } } },
    /must be an absolute, clean path/,
  ],
  [
    'the oci scope /',
    { default: [{ type: 'reject' }], transports: { oci: { '/': [{ type: 'reject' }] } } },
    /must be an absolute, clean path/,
  ],
  [
    'an unclean oci scope',
    { default: [{ type: 'reject' }], transports: { oci: { '/a/../b': [{ type: 'reject' }] } } },
    /must be an absolute, clean path/,
  ],
  [
    'a scope that is not a list',
    { default: [{ type: 'reject' }], transports: { docker: { x: { type: 'reject' } } } },
    /must be an array of requirements/,
  ],
  [
    'duplicate keys',
    '{"default":[{"type":"reject"}],"default":[{"type":"insecureAcceptAnything"}]}',
    /duplicate|twice/i,
  ],
];

for (const [name, policy, message] of invalid) {
  test(`a policy with ${name} is refused with INVALID_DOCUMENT`, () => {
    assert.throws(
      () => parsePolicy(bytes(policy), 'policy.json'),
      (err: unknown) => isOciError(err, ErrorCode.INVALID_DOCUMENT) && message.test(err.message),
    );
  });
}

test('a huge policy is refused with TOO_LARGE before it is parsed', () => {
  const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
  assert.throws(
    () => parsePolicy(huge),
    (err: unknown) => isOciError(err, ErrorCode.TOO_LARGE),
  );
});

const VALID = {
  default: [{ type: 'reject' }],
  transports: {
    docker: {
      'registry.example': [
        {
          type: 'signedBy',
          keyType: 'GPGKeys',
          keyPath: '/k',
          signedIdentity: {
            type: 'remapIdentity',
            prefix: 'registry.example',
            signedPrefix: 'mirror.example/ns',
          },
        },
      ],
    },
  },
};

/** `value` with the thing at a random path replaced by `replacement`. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || typeof value !== 'object' || value === null) return replacement;
  const [head = 0, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[head % Math.max(1, copy.length)] = mutate(copy[head % Math.max(1, copy.length)], rest, replacement);
    return copy;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[head % keys.length] as string;
  return { ...value, [key]: mutate((value as Record<string, unknown>)[key], rest, replacement) };
}

const typedOnly = (run: () => unknown) => {
  try {
    run();
  } catch (err) {
    assert.ok(
      isOciError(err, ErrorCode.INVALID_DOCUMENT) || isOciError(err, ErrorCode.TOO_LARGE),
      `not a typed error: ${String(err)}`,
    );
  }
};

test('property: any mutation of a valid policy parses or is refused with a typed error', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(20), { maxLength: 8 }), fc.jsonValue(), (path, replacement) => {
      typedOnly(() => parsePolicy(bytes(mutate(VALID, path, replacement))));
    }),
    { numRuns: 500 },
  );
});

test('property: arbitrary bytes and JSON as a policy or a registries.d file give a typed error or a result', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.jsonValue().map((v) => bytes(JSON.stringify(v))),
      ),
      (input) => {
        typedOnly(() => parsePolicy(input));
        typedOnly(() => parseRegistriesFile(Buffer.from(input).toString('utf8'), 'x.yaml'));
      },
    ),
    { numRuns: 500 },
  );
});
