/**
 * `--sign-passphrase-file FILE` with `--sign-by` on `copy` and `sync`: the passphrase of a
 * protected GPG key read from the file's first line, as skopeo reads it, and handed to gpg; a wrong
 * passphrase fails with WRONG_PASSWORD, and what the right one signs skopeo accepts under a
 * signedBy policy. As in skopeo, the file gives a `--sign-by-sigstore-private-key` key's password too.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import {
  generateGpgKey,
  gpgHome,
  signedByPolicy,
  skopeoAcceptsSigned,
  stopGpgAgent,
} from '../trust/gpg-helpers.ts';
import { ok } from './sync-fixtures.ts';

const PASSPHRASE = 'correct horse battery';

describe('--sign-passphrase-file unlocks the --sign-by key (copy and sync)', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let registry: RunningRegistry;
  let home: string;
  let fingerprint: string;
  let registriesD: string;
  let yaml: string;
  let rightFile: string;
  let wrongFile: string;

  before(async () => {
    dir = await makeDir();
    registry = await startRegistry();
    for (const name of ['a', 'b']) {
      const root = join(dir, `root-${name}`);
      await mkdir(root);
      await writeFile(join(root, `${name}.txt`), `${name}\n`);
      await ok(['append', 'scratch', root, '-t', `${registry.host}/src/${name}:1`]);
    }
    yaml = join(dir, 'images.yaml');
    await writeFile(yaml, `${registry.host}:\n  images:\n    src/a: ["1"]\n    src/b: ["1"]\n`);
    home = await gpgHome(dir);
    ({ fingerprint } = await generateGpgKey(home, 'locked@example.test', PASSPHRASE));
    registriesD = join(dir, 'registries.d');
    await mkdir(registriesD);
    await writeFile(
      join(registriesD, 'default.yaml'),
      `default-docker:\n  lookaside: file://${join(dir, 'lookaside')}\n`,
    );
    const publicKey = join(dir, 'locked.pub');
    await writeFile(
      publicKey,
      await run('gpg', ['--batch', '--armor', '--export', fingerprint], { env: { GNUPGHOME: home } }),
    );
    await writeFile(join(dir, 'policy.json'), signedByPolicy(publicKey));
    // The first line is the passphrase (its newline taken off); what follows is not read.
    rightFile = join(dir, 'right.txt');
    await writeFile(rightFile, `${PASSPHRASE}\nnot part of it\n`);
    wrongFile = join(dir, 'wrong.txt');
    await writeFile(wrongFile, 'not the passphrase\n');
  });
  after(async () => {
    await registry?.stop();
    if (home) await stopGpgAgent(home);
  });

  /** Runs ocikit with the test keyring, a fresh gpg-agent (no passphrase cached) each time. */
  async function withKeyring(args: string[]) {
    await stopGpgAgent(home);
    return ocikit(args, { env: { GNUPGHOME: home } });
  }

  /** Whether skopeo, under the signedBy policy of the key, accepts pulling `image`. */
  const skopeoAccepts = (image: string): Promise<boolean> =>
    skopeoAcceptsSigned(image, join(dir, 'policy.json'), registriesD, dir);

  const copyArgs = (destination: string, extra: string[]) => [
    'copy',
    '-q',
    '--registries.d',
    registriesD,
    '--sign-by',
    fingerprint,
    ...extra,
    `${registry.host}/src/a:1`,
    destination,
  ];

  test('copy: without the passphrase and with a wrong one signing fails; with the file it signs', async () => {
    const bare = await withKeyring(copyArgs(`${registry.host}/copied/bare:1`, []));
    assert.equal(bare.code, 1, bare.stderr);
    assert.match(bare.stderr, /NOT_FOUND: .*needs --sign-passphrase-file/);
    const wrong = await withKeyring(
      copyArgs(`${registry.host}/copied/wrong:1`, ['--sign-passphrase-file', wrongFile]),
    );
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /^ocikit: WRONG_PASSWORD: /m);
    // The passphrase is tried before the copy: the destination is not left holding an unsigned image.
    const unsigned = await ocikit(['digest', `${registry.host}/copied/wrong:1`]);
    assert.equal(unsigned.code, 1, 'a wrong passphrase wrote nothing');
    const right = await withKeyring(
      copyArgs(`${registry.host}/copied/right:1`, ['--sign-passphrase-file', rightFile]),
    );
    assert.equal(right.code, 0, right.stderr);
    assert.equal(await skopeoAccepts(`${registry.host}/copied/right:1`), true);
  });

  test('sync: a wrong passphrase fails the sync; with the file every image is signed', async () => {
    const syncArgs = (prefix: string, file: string) => [
      'sync',
      '-q',
      '--src',
      'yaml',
      '--registries.d',
      registriesD,
      '--sign-by',
      fingerprint,
      '--sign-passphrase-file',
      file,
      yaml,
      `${registry.host}/${prefix}`,
    ];
    const wrong = await withKeyring(syncArgs('wrong', wrongFile));
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /WRONG_PASSWORD/);
    const unsigned = await ocikit(['digest', `${registry.host}/wrong/a:1`]);
    assert.equal(unsigned.code, 1, 'a wrong passphrase wrote nothing');
    const right = await withKeyring(syncArgs('synced', rightFile));
    assert.equal(right.code, 0, right.stderr);
    for (const name of ['a', 'b'])
      assert.equal(await skopeoAccepts(`${registry.host}/synced/${name}:1`), true, name);
  });

  test('copy and sync: the file gives the password of a --sign-by-sigstore-private-key key too', async () => {
    const keys = join(dir, 'cosign');
    await mkdir(keys);
    const made = await ocikit(['key', 'generate'], { cwd: keys, env: { COSIGN_PASSWORD: PASSPHRASE } });
    assert.equal(made.code, 0, made.stderr);
    const noPassword = { COSIGN_PASSWORD: undefined };
    const signArgs = (file: string) => [
      '--sign-by-sigstore-private-key',
      join(keys, 'cosign.key'),
      '--sign-passphrase-file',
      file,
    ];
    const wrong = await ocikit(
      ['copy', '-q', ...signArgs(wrongFile), `${registry.host}/src/a:1`, `${registry.host}/cosigned/wrong:1`],
      { env: noPassword },
    );
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /WRONG_PASSWORD/);
    const copied = await ocikit(
      ['copy', '-q', ...signArgs(rightFile), `${registry.host}/src/a:1`, `${registry.host}/cosigned/a:1`],
      { env: noPassword },
    );
    assert.equal(copied.code, 0, copied.stderr);
    const synced = await ocikit(
      ['sync', '-q', '--src', 'yaml', ...signArgs(rightFile), yaml, `${registry.host}/cosynced`],
      { env: noPassword },
    );
    assert.equal(synced.code, 0, synced.stderr);
    for (const image of ['cosigned/a:1', 'cosynced/a:1', 'cosynced/b:1']) {
      const verified = await ocikit([
        'verify',
        '--key',
        join(keys, 'cosign.pub'),
        `${registry.host}/${image}`,
      ]);
      assert.equal(verified.code, 0, `${image}: ${verified.stderr}`);
    }
  });

  test('--sign-passphrase-file needs exactly one signing key', async () => {
    const both = await ocikit([
      'copy',
      '--sign-by',
      fingerprint,
      '--sign-by-sigstore-private-key',
      join(dir, 'cosign/cosign.key'),
      '--sign-passphrase-file',
      rightFile,
      `${registry.host}/src/a:1`,
      `${registry.host}/both:1`,
    ]);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /only one of --sign-by and --sign-by-sigstore-private-key/);
    for (const command of ['copy', 'sync']) {
      const result = await ocikit([
        command,
        '--sign-passphrase-file',
        rightFile,
        `${registry.host}/src/a:1`,
        command === 'copy' ? `oci:${join(dir, 'u')}:x` : `${registry.host}/u`,
      ]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /--sign-passphrase-file needs --sign-by or --sign-by-sigstore-private-key/);
    }
  });
});
