/**
 * Simple signatures stored in a `dir:` folder (`signature-1`, as skopeo's `--sign-by` writes
 * them) travel with a copy between `dir:` folders, and skopeo verifies the copied one against
 * the signer's key.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { generateGpgKey, gpgHome, stopGpgAgent, type TestGpgKey } from '../trust/gpg-helpers.ts';

describe('signatures in dir: folders', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let home: string;
  let key: TestGpgKey;
  after(() => stopGpgAgent(home));

  before(async () => {
    dir = await makeDir();
    home = await gpgHome(dir);
    key = await generateGpgKey(home, 'signer@example.com');
    await mkdir(join(dir, 'root'));
    await writeFile(join(dir, 'root/file'), 'signed content\n');
    const result = await ocikit([
      'append',
      'scratch',
      join(dir, 'root'),
      '-t',
      `oci:${join(dir, 'layout')}:app`,
    ]);
    assert.equal(result.code, 0, result.stderr);
  });

  test('a copy from dir: to dir: keeps signature-1, and skopeo verifies it', async () => {
    const signed = join(dir, 'signed');
    await run(
      'skopeo',
      [
        '--insecure-policy',
        'copy',
        '--quiet',
        '--sign-by',
        key.fingerprint,
        '--sign-identity',
        'localhost/app:1',
        `oci:${join(dir, 'layout')}:app`,
        `dir:${signed}`,
      ],
      { env: { GNUPGHOME: home } },
    );
    const signature = await readFile(join(signed, 'signature-1'));
    const copy = join(dir, 'copy');
    const result = await ocikit(['copy', '-q', `dir:${signed}`, `dir:${copy}`]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await readdir(copy)).includes('signature-1'));
    assert.deepEqual(await readFile(join(copy, 'signature-1')), signature);
    const policy = join(dir, 'policy.json');
    await writeFile(
      policy,
      JSON.stringify({
        default: [{ type: 'reject' }],
        transports: {
          dir: {
            '': [
              {
                type: 'signedBy',
                keyType: 'GPGKeys',
                keyPath: key.publicKeyPath,
                signedIdentity: { type: 'exactReference', dockerReference: 'localhost/app:1' },
              },
            ],
          },
        },
      }),
    );
    await run('skopeo', [
      '--policy',
      policy,
      'copy',
      '--quiet',
      '--remove-signatures',
      `dir:${copy}`,
      `oci:${join(dir, 'verified')}:app`,
    ]);
    // Changing the digest (a conversion) drops the signature rather than store one that no longer signs.
    const converted = join(dir, 'converted');
    const conv = await ocikit(['copy', '-q', '--format', 'docker', `dir:${signed}`, `dir:${converted}`]);
    assert.equal(conv.code, 0, conv.stderr);
    assert.ok(!(await readdir(converted)).some((name) => name.startsWith('signature-')));
  });
});
