/**
 * skopeo's smaller `sync` flags: `--retry-times N` with `--retry-delay D` (each image copy tried
 * again after a failure a retry can mend, as `copy` retries), and `--src-no-creds` /
 * `--dest-no-creds` on `sync` and `copy` (the registry accessed anonymously, the stored
 * credentials left unread), skopeo's `--username`/`--password` (global) and `--src-username`,
 * `--src-password`, `--dest-username`, `--dest-password`, against real Distribution registries.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { startFailingManifestsProxy } from '../helpers/fault-proxy.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { ok, registryImages } from './sync-fixtures.ts';

describe('sync flags from skopeo: retries and anonymous access', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let image: string;
  let digest: string;
  let plain: RunningRegistry;
  let locked: RunningRegistry;
  /** The environment that makes ocikit read `locked`'s credentials from an auth file. */
  let stored: NodeJS.ProcessEnv;

  before(async () => {
    dir = await makeDir();
    await mkdir(join(dir, 'root'));
    await writeFile(join(dir, 'root/file'), 'hello\n');
    image = `oci:${join(dir, 'layout')}:app`;
    await ok(['append', 'scratch', join(dir, 'root'), '-t', image]);
    digest = await ok(['digest', image]);
    [plain, locked] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd' })]);
    const { username, password } = locked.credentials as { username: string; password: string };
    const authFile = join(dir, 'auth.json');
    await writeFile(
      authFile,
      JSON.stringify({
        auths: { [locked.host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } },
      }),
    );
    stored = { REGISTRY_AUTH_FILE: authFile };
    await ok(['copy', '-q', image, `${plain.host}/retry:1`]);
    const pushed = await ocikit(['copy', '-q', image, `${locked.host}/app:1`], { env: stored });
    assert.equal(pushed.code, 0, pushed.stderr);
  });
  after(async () => {
    await Promise.all([plain?.stop(), locked?.stop()]);
  });

  /** A fault proxy in front of `plain` whose manifest requests fail (503) more often than one copy retries. */
  const failingProxy = () => startFailingManifestsProxy(plain.host);

  test('sync --retry-times retries an image copy that failed on a transient registry fault', async () => {
    const without = await failingProxy();
    try {
      const failed = await ocikit(['sync', '-q', `${without.host}/retry:1`, `${plain.host}/once`]);
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(failed.stderr, /REGISTRY_ERROR/);
    } finally {
      await without.stop();
    }
    assert.deepEqual(await registryImages(plain.host, 'once'), {});
    const withRetry = await failingProxy();
    try {
      const result = await ocikit([
        'sync',
        '-q',
        '--retry-times',
        '3',
        '--retry-delay',
        '10ms',
        `${withRetry.host}/retry:1`,
        `${plain.host}/retried`,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /retrying \(1 of 3\)/);
    } finally {
      await withRetry.stop();
    }
    assert.deepEqual(await registryImages(plain.host, 'retried'), { 'retry:1': digest });
  });

  test('sync --retry-times takes a count and --retry-delay a duration; others are usage errors', async () => {
    for (const [args, message] of [
      [['--retry-times', '-1'], /--retry-times takes a whole number/],
      [['--retry-times', 'x'], /--retry-times takes a whole number/],
      [['--retry-delay', '5parsecs'], /--retry-delay takes a duration/],
    ] as const) {
      const result = await ocikit(['sync', '-q', ...args, `${plain.host}/retry:1`, `${plain.host}/u`]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  test('sync --src-no-creds reads the source anonymously: the stored credentials are not used', async () => {
    const source = `${locked.host}/app:1`;
    await assertAnonymousRefused(['sync', '-q', source, `${plain.host}/anon`], '--src-no-creds');
    assert.deepEqual(await registryImages(plain.host, 'anon'), { 'app:1': digest });
  });

  test('sync --dest-no-creds writes to the destination anonymously', async () => {
    await assertAnonymousRefused(
      ['sync', '-q', `${plain.host}/retry:1`, `${locked.host}/mirror`],
      '--dest-no-creds',
    );
  });

  test('copy --src-no-creds and --dest-no-creds access that side anonymously', async () => {
    await assertAnonymousRefused(
      ['copy', '-q', `${locked.host}/app:1`, `oci:${join(dir, 'c1')}:x`],
      '--src-no-creds',
    );
    await assertAnonymousRefused(['copy', '-q', image, `${locked.host}/copied:1`], '--dest-no-creds');
    // The other side's flag leaves this side's credentials alone.
    const other = await ocikit(
      ['copy', '-q', '--dest-no-creds', `${locked.host}/app:1`, `oci:${join(dir, 'c2')}:x`],
      {
        env: stored,
      },
    );
    assert.equal(other.code, 0, other.stderr);
  });

  test("copy --additional-tag reads the image it wrote with the destination side's credentials", async () => {
    // The source is anonymous, the destination needs the stored credentials: tagging the written
    // image again must not go to the destination as the source side.
    const result = await ocikit(
      ['copy', '-q', '--src-no-creds', image, `${locked.host}/tagged:1`, '--additional-tag', '2'],
      { env: stored },
    );
    assert.equal(result.code, 0, result.stderr);
    const second = await ocikit(['digest', `${locked.host}/tagged:2`], { env: stored });
    assert.equal(second.out, digest, second.stderr);
  });

  test('--src-creds with --src-no-creds is a usage error', async () => {
    for (const command of ['copy', 'sync']) {
      const result = await ocikit([
        command,
        '--src-creds',
        'user:secret',
        '--src-no-creds',
        `${locked.host}/app:1`,
        command === 'copy' ? `oci:${join(dir, 'u')}:x` : `${plain.host}/u`,
      ]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /--src-creds and --src-no-creds exclude each other/);
    }
  });

  test('copy and sync take --src-username/--src-password and --dest-username/--dest-password', async () => {
    const { username, password } = locked.credentials as { username: string; password: string };
    const pulled = await ocikit([
      'copy',
      '-q',
      '--src-username',
      username,
      '--src-password',
      password,
      `${locked.host}/app:1`,
      `oci:${join(dir, 'by-name')}:x`,
    ]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(await ok(['digest', `oci:${join(dir, 'by-name')}:x`]), digest);
    const synced = await ocikit([
      'sync',
      '-q',
      '--dest-username',
      username,
      '--dest-password',
      password,
      `${plain.host}/retry:1`,
      `${locked.host}/named`,
    ]);
    assert.equal(synced.code, 0, synced.stderr);
    assert.equal((await ocikit(['digest', `${locked.host}/named/retry:1`], { env: stored })).out, digest);
    // A wrong password is the registry's refusal, not a fallback to anonymous or stored credentials.
    const wrong = await ocikit(
      [
        'copy',
        '-q',
        '--src-username',
        username,
        '--src-password',
        'wrong',
        `${locked.host}/app:1`,
        `oci:${join(dir, 'w')}:x`,
      ],
      { env: stored },
    );
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /UNAUTHORIZED/);
  });

  test('the global --username/--password and --no-creds apply to one-sided commands', async () => {
    const { username, password } = locked.credentials as { username: string; password: string };
    const named = await ocikit([
      'digest',
      '--username',
      username,
      '--password',
      password,
      `${locked.host}/app:1`,
    ]);
    assert.equal(named.code, 0, named.stderr);
    assert.equal(named.out, digest);
    const global = await ocikit([
      '--username',
      username,
      '--password',
      password,
      'digest',
      `${locked.host}/app:1`,
    ]);
    assert.equal(global.out, digest, global.stderr);
    await assertAnonymousRefused(['digest', `${locked.host}/app:1`], '--no-creds');
  });

  test('username and password flags: each needs the other, and they exclude --creds and --no-creds (as skopeo)', async () => {
    const target = `${locked.host}/app:1`;
    const dest = `oci:${join(dir, 'never')}:x`;
    for (const [args, message] of [
      [['digest', '--username', 'u', target], /--username needs --password/],
      [['digest', '--password', 'p', target], /--password needs --username/],
      [
        ['digest', '--creds', 'u:p', '--username', 'u', '--password', 'p', target],
        /--creds and --username exclude each other/,
      ],
      [
        ['digest', '--no-creds', '--username', 'u', '--password', 'p', target],
        /--username and --no-creds exclude each other/,
      ],
      [['digest', '--creds', 'u:p', '--no-creds', target], /--creds and --no-creds exclude each other/],
      [['--no-creds', 'digest', '--creds=u:p', target], /--creds and --no-creds exclude each other/],
      [['digest', '--username', '', '--password', 'p', target], /--username: the user name is empty/],
      [['copy', '--src-username', 'u', target, dest], /--src-username needs --src-password/],
      [['copy', '--dest-password', 'p', target, dest], /--dest-password needs --dest-username/],
      [
        ['copy', '--src-creds', 'u:p', '--src-username', 'u', '--src-password', 'p', target, dest],
        /--src-creds and --src-username exclude each other/,
      ],
      [
        [
          'sync',
          '--dest-no-creds',
          '--dest-username',
          'u',
          '--dest-password',
          'p',
          target,
          `${plain.host}/x`,
        ],
        /--dest-username and --dest-no-creds exclude each other/,
      ],
    ] as const) {
      const result = await ocikit([...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
  });

  /**
   * `args` succeed with the stored credentials, and with `flag` added fail with UNAUTHORIZED
   * (the registry refuses anonymous access).
   */
  async function assertAnonymousRefused(args: string[], flag: string): Promise<void> {
    const [command, ...rest] = args as [string, ...string[]];
    const anonymous = await ocikit([command, flag, ...rest], { env: stored });
    assert.equal(anonymous.code, 1, anonymous.stderr);
    assert.match(anonymous.stderr, /UNAUTHORIZED/);
    const withStored = await ocikit(args, { env: stored });
    assert.equal(withStored.code, 0, withStored.stderr);
  }
});
