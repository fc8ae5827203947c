/**
 * The CLI against the real Distribution registry on 127.0.0.1, in its three setups (open,
 * htpasswd, token auth), side by side with skopeo: what ocikit pushes skopeo pulls and the other
 * way round, with identical digests; a multi-platform index round-trips whole; housekeeping
 * commands; Ctrl-C and resume.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { digestBytes } from '../../src/digest/index.ts';
import { OCI, serializeJson } from '../../src/spec/index.ts';
import { openLayout } from '../../src/store/index.ts';
import { OCIKIT_BIN, ocikit } from '../helpers/cli.ts';
import { run, runBuffer } from '../helpers/exec.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { suiteScratch } from '../helpers/tmp.ts';
import { startTokenServer, type TokenServer } from '../helpers/token-server.ts';

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function ok(args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<string> {
  const result = await ocikit(args, { env, input });
  assert.equal(result.code, 0, `ocikit ${args.join(' ')}: ${result.stderr}`);
  return result.out;
}

/** Builds `oci:DIR:img` (two layers) and `oci:DIR:multi`, an index of amd64 and arm64 images. */
async function buildImages(dir: string): Promise<string> {
  const layout = join(dir, 'layout');
  for (const [name, bytes] of [
    ['a', 3 << 20],
    ['b', 1 << 20],
  ] as const) {
    await mkdir(join(dir, 'tree', name), { recursive: true });
    await writeFile(join(dir, 'tree', name, 'data.bin'), randomBytes(bytes));
  }
  await ok(['append', 'scratch', join(dir, 'tree/a'), join(dir, 'tree/b'), '-t', `oci:${layout}:img`]);
  await ok(['mutate', `oci:${layout}:img`, '--set-platform', 'linux/arm64', '-t', `oci:${layout}:arm`]);
  const store = await openLayout(layout);
  const children = [];
  for (const [tag, platform] of [
    ['img', { architecture: 'amd64', os: 'linux' }],
    ['arm', { architecture: 'arm64', os: 'linux' }],
  ] as const) {
    const d = await store.resolve(tag);
    children.push({ mediaType: d.mediaType, digest: d.digest, size: d.size, platform });
  }
  const index = serializeJson({ schemaVersion: 2, mediaType: OCI.index, manifests: children });
  await store.putBytes(index, digestBytes(index));
  await store.tag('multi', { mediaType: OCI.index, digest: digestBytes(index), size: index.byteLength });
  return layout;
}

describe('an open registry', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let layout: string;
  let registry: RunningRegistry;

  before(async () => {
    dir = await makeDir();
    layout = await buildImages(dir);
    registry = await startRegistry();
  });
  after(() => registry?.stop());

  test('ocikit pushes what skopeo pulls, and pulls what skopeo pushed, with identical digests', async () => {
    const pushed = await ok(['copy', '-q', `oci:${layout}:img`, `${registry.host}/test/ocikit:1`]);
    const local = await ok(['digest', `oci:${layout}:img`]);
    assert.equal(pushed, `${registry.host}/test/ocikit@${local}`);
    const raw = await runBuffer('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/test/ocikit:1`,
    ]);
    assert.equal(sha256(raw), local);
    await run('skopeo', [
      'copy',
      '-q',
      '--src-tls-verify=false',
      `docker://${registry.host}/test/ocikit:1`,
      `oci:${join(dir, 'by-skopeo')}:x`,
    ]);
    assert.match(await ok(['fsck', join(dir, 'by-skopeo')]), /^ok/);

    await run('skopeo', [
      'copy',
      '-q',
      '--dest-tls-verify=false',
      `oci:${layout}:img`,
      `docker://${registry.host}/test/skopeo:1`,
    ]);
    const skopeoDigest = sha256(
      await runBuffer('skopeo', [
        'inspect',
        '--raw',
        '--tls-verify=false',
        `docker://${registry.host}/test/skopeo:1`,
      ]),
    );
    assert.equal(await ok(['digest', `${registry.host}/test/skopeo:1`]), skopeoDigest);
    await ok(['copy', '-q', `${registry.host}/test/skopeo:1`, `oci:${join(dir, 'pulled')}:x`]);
    assert.equal(await ok(['digest', `oci:${join(dir, 'pulled')}:x`]), skopeoDigest);
    assert.match(await ok(['fsck', join(dir, 'pulled')]), /^ok/);
  });

  test('a multi-platform index round-trips whole', async () => {
    const local = await ok(['digest', `oci:${layout}:multi`]);
    await ok([
      'copy',
      '-q',
      '--all-platforms',
      `oci:${layout}:multi`,
      `docker://${registry.host}/test/multi:1`,
    ]);
    const raw = await runBuffer('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/test/multi:1`,
    ]);
    assert.equal(sha256(raw), local);
    await ok([
      'copy',
      '-q',
      '--all-platforms',
      `${registry.host}/test/multi:1`,
      `oci:${join(dir, 'multi')}:m`,
    ]);
    assert.equal(await ok(['digest', `oci:${join(dir, 'multi')}:m`]), local);
    const arm = await ok(['digest', '--platform', 'linux/arm64', `${registry.host}/test/multi:1`]);
    assert.equal(arm, await ok(['digest', `oci:${layout}:arm`]));
  });

  test('ls, catalog, tag, blob and delete', async () => {
    await ok(['copy', '-q', `oci:${layout}:img`, `${registry.host}/test/house:1`]);
    await ok(['tag', `${registry.host}/test/house:1`, '2']);
    assert.deepEqual((await ok(['ls', `${registry.host}/test/house`])).split('\n').sort(), ['1', '2']);
    assert.ok((await ok(['catalog', registry.host])).split('\n').includes('test/house'));
    const manifest = JSON.parse(await ok(['inspect', '--raw', `${registry.host}/test/house:2`]));
    const config = await ocikit(['blob', `${registry.host}/test/house:2`, manifest.config.digest]);
    assert.equal(sha256(config.stdout), manifest.config.digest);
    await ok(['delete', `${registry.host}/test/house:1`]);
    const gone = await ocikit(['inspect', `${registry.host}/test/house:2`]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /NOT_FOUND/);
  });

  test('Ctrl-C stops a copy cleanly, and a re-run resumes with what was already sent', async () => {
    const big = join(dir, 'big');
    for (let i = 0; i < 4; i++) {
      await mkdir(join(big, `l${i}`), { recursive: true });
      await writeFile(join(big, `l${i}`, 'blob'), randomBytes(12 << 20));
    }
    await ok([
      'append',
      '--compression',
      'none',
      'scratch',
      ...[0, 1, 2, 3].map((i) => join(big, `l${i}`)),
      '-t',
      `oci:${layout}:big`,
    ]);
    const target = `${registry.host}/test/big:1`;
    const child = spawn(process.execPath, [
      OCIKIT_BIN,
      'copy',
      '--json',
      '--jobs',
      '1',
      `oci:${layout}:big`,
      target,
    ]);
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/"state":"done"/.test(stderr)) resolve();
      });
      child.on('exit', () => resolve());
    });
    child.kill('SIGINT');
    const code = await exited;
    assert.notEqual(code, 0, 'an interrupted copy must not report success');
    const rerun = await ocikit(['copy', '--json', `oci:${layout}:big`, target]);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /"state":"skipped"/, 'blobs sent before the interruption are not sent again');
    assert.equal(await ok(['digest', target]), await ok(['digest', `oci:${layout}:big`]));
  });
});

describe('a registry with htpasswd auth', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let layout: string;
  let registry: RunningRegistry;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await makeDir();
    layout = await buildImages(dir);
    registry = await startRegistry({ auth: 'htpasswd' });
    env = { DOCKER_CONFIG: join(dir, 'docker-config') };
  });
  after(() => registry?.stop());

  test('anonymous and wrong credentials are UNAUTHORIZED; login saves only verified credentials', async () => {
    const anonymous = await ocikit(['copy', '-q', `oci:${layout}:img`, `${registry.host}/auth/app:1`], {
      env,
    });
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /UNAUTHORIZED/);

    const wrong = await ocikit(['login', registry.host, '-u', 'tester', '--password-stdin'], {
      env,
      input: 'not-the-password\n',
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /UNAUTHORIZED/);
    assert.doesNotMatch(wrong.stderr, /not-the-password/);
    assert.equal(
      existsSync(join(dir, 'docker-config/config.json')),
      false,
      'nothing saved after a failed login',
    );

    const { username, password } = registry.credentials as { username: string; password: string };
    await ok(['login', registry.host, '-u', username, '--password-stdin'], env, `${password}\n`);
    const pushed = await ok(['copy', '-q', `oci:${layout}:img`, `${registry.host}/auth/app:1`], env);
    assert.match(pushed, /@sha256:/);
    await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      `${username}:${password}`,
      `docker://${registry.host}/auth/app:1`,
    ]);
    await ok(['logout', registry.host], env);
    const after = await ocikit(['inspect', `${registry.host}/auth/app:1`], { env });
    assert.equal(after.code, 1);
    assert.match(after.stderr, /UNAUTHORIZED/);
  });

  test("login -u USER -p PASSWORD as skopeo's, and -p with --password-stdin refused", async () => {
    const { username, password } = registry.credentials as { username: string; password: string };
    const both = await ocikit(['login', registry.host, '-u', username, '-p', password, '--password-stdin'], {
      env,
      input: `${password}\n`,
    });
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /-p\/--password and --password-stdin exclude each other/);
    await ok(['login', registry.host, '-u', username, '-p', password], env);
    assert.match(await ok(['digest', `${registry.host}/auth/app:1`], env), /^sha256:/);
    await ok(['logout', registry.host], env);
  });
});

describe('a registry with token auth', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let layout: string;
  let registry: RunningRegistry;
  let tokens: TokenServer;

  before(async () => {
    dir = await makeDir();
    layout = await buildImages(dir);
    tokens = await startTokenServer(dir, { users: { alice: 'wonderland' } });
    registry = await startRegistry({ auth: { token: tokens } });
  });
  after(async () => {
    await registry?.stop();
    await tokens?.close();
  });

  test('push and pull with bearer tokens, including a whole index', async () => {
    const env = { DOCKER_CONFIG: join(dir, 'docker-config') };
    const denied = await ocikit(['copy', '-q', `oci:${layout}:img`, `${registry.host}/tok/app:1`], { env });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /UNAUTHORIZED/);
    await ok(['login', registry.host, '-u', 'alice', '--password-stdin'], env, 'wonderland');
    await ok(['copy', '-q', '--all-platforms', `oci:${layout}:multi`, `${registry.host}/tok/app:1`], env);
    await ok(
      ['copy', '-q', '--all-platforms', `${registry.host}/tok/app:1`, `oci:${join(dir, 'back')}:x`],
      env,
    );
    assert.equal(
      await ok(['digest', `oci:${join(dir, 'back')}:x`]),
      await ok(['digest', `oci:${layout}:multi`]),
    );
    assert.ok(tokens.requests.some((r) => r.user === 'alice' && r.scopes.some((s) => s.includes('push'))));
  });
});
