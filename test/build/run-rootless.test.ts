/**
 * Rootless RUN: `ocikit build` run by a user that is not root (created here, with subordinate
 * ids, and dropped afterwards) runs its RUN steps in a user namespace and writes the same layers,
 * config and digest as a root build of the same Dockerfile: shell and exec forms, ENV, USER
 * with WORKDIR, files created, changed, replaced and deleted in lower layers, chown to other ids,
 * hard links and symlinks. A user without subordinate ids is refused with a clear message.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OCIKIT_BIN } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { listLayer, readImage } from './engine-helpers.ts';
import { makePeerBase } from './peer-base.ts';

let dir = '';
let base = '';
/** The building user, with a subordinate range, and one without any. */
const user = `ocirl${randomBytes(3).toString('hex')}`;
const bare = `ocirb${randomBytes(3).toString('hex')}`;
let uid = 0;

/** Runs `ocikit ARGS` as `name` (its own HOME): its exit code, and stdout then stderr. */
function asUser(name: string, args: string[]): Promise<{ code: number; out: string }> {
  const argv = ['-u', name, '--', 'env', `HOME=/home/${name}`, process.execPath, OCIKIT_BIN, ...args];
  return new Promise((resolve) => {
    execFile('runuser', argv, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ocikit-run-rootless-'));
  chmodSync(dir, 0o755);
  base = (await makePeerBase(join(dir, 'base'))).name;
  await run('chmod', ['-R', 'a+rX', join(dir, 'base')]);
  await run('useradd', ['--create-home', user]);
  await run('useradd', ['--create-home', bare]);
  uid = Number((await run('id', ['-u', user])).trim());
  // Ranges of their own, whatever useradd's defaults gave.
  for (const name of [user, bare]) {
    for (const flag of ['--del-subuids', '--del-subgids']) await run('usermod', [flag, '1-4294967294', name]);
  }
  const start = 3_000_000 + (uid % 1000) * 65_536;
  await run('usermod', ['--add-subuids', `${start}-${start + 65_535}`, user]);
  await run('usermod', ['--add-subgids', `${start}-${start + 65_535}`, user]);
});

after(async () => {
  await run('userdel', ['--remove', user]).catch(() => {});
  await run('userdel', ['--remove', bare]).catch(() => {});
  await rm(dir, { recursive: true, force: true });
});

/** A context with `dockerfile`, and an output folder `name` owned by `owner` (0 for root). */
function workspace(name: string, dockerfile: string, owner: number): { context: string; out: string } {
  const context = join(dir, `${name}-context`);
  const out = join(dir, `${name}-out`);
  mkdirSync(context);
  writeFileSync(join(context, 'Dockerfile'), dockerfile);
  chmodSync(context, 0o755);
  mkdirSync(out);
  chownSync(out, owner, owner);
  return { context, out };
}

/** Builds `dockerfile` as root and as the rootless user; returns both layouts. */
async function buildBoth(
  name: string,
  dockerfile: string,
  extra: string[] = [],
): Promise<{ root: string; rootless: string }> {
  const rootWs = workspace(`${name}-root`, dockerfile, 0);
  const userWs = workspace(`${name}-user`, dockerfile, uid);
  const args = (ws: { context: string; out: string }): string[] => [
    'build',
    ws.context,
    '-t',
    `oci:${join(ws.out, 'layout')}:img`,
    '--cache-dir',
    join(ws.out, 'cache'),
    '--progress',
    'plain',
    ...extra,
  ];
  const asRoot = await run(process.execPath, [OCIKIT_BIN, ...args(rootWs)]);
  assert.match(asRoot, /@sha256:/);
  const asRootless = await asUser(user, args(userWs));
  assert.equal(asRootless.code, 0, asRootless.out);
  // Again as the user: every step comes from the user's cache, none runs.
  const again = await asUser(user, args(userWs));
  assert.equal(again.code, 0, again.out);
  const steps = dockerfile.split('\n').filter((line) => /^(RUN|WORKDIR) /.test(line)).length;
  assert.equal((again.out.match(/^#\d+ CACHED$/gm) ?? []).length, steps, again.out);
  return { root: join(rootWs.out, 'layout'), rootless: join(userWs.out, 'layout') };
}

const CASES = [
  // Shell and exec forms, ENV.
  'ENV GREETING=hello',
  'RUN echo "$GREETING from sh" > /greeting && mkdir -p /data/sub',
  'RUN ["/bin/sh", "-c", "echo exec form > /data/exec && chmod 0640 /data/exec"]',
  // Files changed, replaced and deleted in lower layers.
  'RUN echo changed >> /greeting && rm /bin/true && rm -rf /data/sub && mkdir /data/sub && echo again > /data/sub/f',
  'RUN rm /data/exec && ln -s /greeting /data/exec',
  // Owners other than root, within the subordinate range.
  'RUN mkdir /owned && echo x > /owned/a && chown 1500:1600 /owned/a && chown 1000:2000 /owned && chown -h 1500:1600 /data/exec && mkdir -m 0750 /svc && chown 1500:1600 /svc',
  // Hard links within a layer and across layers, symlinks.
  'RUN ln /greeting /greeting-link && echo y > /owned/b && ln /owned/b /owned/b-link && ln -s ../greeting /owned/rel',
  // USER with WORKDIR: the directory made for the user, files written as the user.
  'USER app',
  'WORKDIR /home/app/work',
  'RUN echo mine > mine && id -u > uid && mkdir -p deep/er && touch deep/er/x',
  'USER svc:extra',
  'RUN id > /svc/id && touch /svc/file',
];

test('a non-root build runs RUN in a user namespace and writes the same image as a root build', async () => {
  const dockerfile = `FROM ${base}\n${CASES.join('\n')}\n`;
  const { root, rootless } = await buildBoth('same', dockerfile);
  const [asRoot, asUserImage] = [await readImage(root), await readImage(rootless)];
  // Every entry of every layer: type, mode, owner, size, name and link target, time.
  const listings = await Promise.all(
    [asRoot, asUserImage].map((image) => Promise.all(image.layers.map((l) => listLayer(l, true)))),
  );
  assert.deepEqual(listings[1], listings[0]);
  // The owners are the container's, not the host's shifted ids.
  const flat = (listings[1] ?? []).flat();
  assert.ok(
    flat.some((l) => / 1500:1600 .*owned\/a @\d+$/.test(l)),
    flat.join('\n'),
  );
  assert.ok(
    flat.some((l) => / 1000:2000 .*owned\/ @\d+$/.test(l)),
    flat.join('\n'),
  );
  assert.ok(
    flat.some((l) => / 1000:1000 .*home\/app\/work\/mine @\d+$/.test(l)),
    flat.join('\n'),
  );
  assert.deepEqual(asUserImage.config, asRoot.config);
  assert.equal(asUserImage.digest, asRoot.digest);
});

test('a failing RUN fails the rootless build with its place and exit code, writing nothing', async () => {
  const ws = workspace('fails', `FROM ${base}\nRUN touch /x\nRUN exit 7\n`, uid);
  const layout = join(ws.out, 'layout');
  const result = await asUser(user, [
    'build',
    ws.context,
    '-t',
    `oci:${layout}:img`,
    '--cache-dir',
    join(ws.out, 'c'),
  ]);
  assert.notEqual(result.code, 0);
  assert.match(
    result.out,
    /COMMAND_FAILED: Dockerfile:3: process "\/bin\/sh -c exit 7" did not complete successfully: exit code: 7/,
  );
  await assert.rejects(run('test', ['-e', join(layout, 'index.json')]));
});

test('a user without subordinate ids is refused with UNSUPPORTED naming /etc/subuid', async () => {
  const ws = workspace(
    'bare',
    `FROM ${base}\nRUN touch /x\n`,
    Number((await run('id', ['-u', bare])).trim()),
  );
  const result = await asUser(bare, [
    'build',
    ws.context,
    '-t',
    `oci:${join(ws.out, 'layout')}:img`,
    '--cache-dir',
    join(ws.out, 'c'),
  ]);
  assert.notEqual(result.code, 0);
  assert.match(
    result.out,
    /UNSUPPORTED: Dockerfile:2: rootless RUN needs subordinate ids for user ocirb\w+: add a range to \/etc\/subuid/,
  );
});

test('a user namespace the system refuses (ids the user does not own) fails with UNSUPPORTED saying so', async () => {
  // The library's runStep with mappings outside the user's subordinate range: newuidmap refuses them.
  const script = join(dir, 'refused.ts');
  const cacheRoot = join(dir, 'refused-cache');
  mkdirSync(cacheRoot);
  chownSync(cacheRoot, uid, uid);
  const library = fileURLToPath(new URL('../../src/build/run/index.ts', import.meta.url));
  writeFileSync(
    script,
    [
      `import { runStep } from ${JSON.stringify(library)};`,
      'const [uid, gid] = [process.getuid(), process.getgid()];',
      'const range = (host) => [{ containerID: 0, hostID: host, size: 1 }, { containerID: 1, hostID: 10, size: 5 }];',
      `await runStep({ layers: [], cacheRoot: ${JSON.stringify(cacheRoot)}, command: { form: 'exec', argv: ['/x'] },`,
      '  idMappings: { uid: range(uid), gid: range(gid) } }).then(',
      "  () => console.log('ran'),",
      "  (err) => console.log(err.code + ': ' + err.message),",
      ');',
    ].join('\n'),
  );
  chmodSync(script, 0o644);
  const out = await run('runuser', ['-u', user, '--', process.execPath, script]);
  assert.match(
    out,
    /^UNSUPPORTED: rootless RUN could not make a user namespace \(the kernel or newuidmap\/newgidmap refused it\): .*newuidmap/m,
  );
});

test('RUN mounts as a non-root user: tmpfs, bind, a cache and a secret owned by the ids asked for', async () => {
  const secret = join(dir, 'secret.txt');
  writeFileSync(secret, 'not in any layer\n', { mode: 0o644 });
  const dockerfile = [
    `FROM ${base}`,
    'RUN --mount=type=tmpfs,target=/scratch echo t > /scratch/t && cat /scratch/t > /from-tmpfs',
    'RUN --mount=type=bind,source=Dockerfile,target=/df head -1 /df > /from-bind',
    'RUN --mount=type=cache,id=c,target=/c,uid=1000,gid=2000,mode=0750 stat -c "%u:%g %a" /c > /cache-owner && touch /c/x',
    'RUN --mount=type=secret,id=s,uid=1500,gid=1600 stat -c "%u:%g" /run/secrets/s > /secret-owner && wc -c < /run/secrets/s > /secret-size',
    '',
  ].join('\n');
  const { root, rootless } = await buildBoth('mounts', dockerfile, ['--secret', `id=s,src=${secret}`]);
  const [asRoot, asUserImage] = [await readImage(root), await readImage(rootless)];
  const top = async (layer: string, path: string): Promise<string> => run('tar', ['-xzOf', layer, path]);
  const layers = asUserImage.layers;
  assert.equal(await top(layers.at(-2) as string, 'cache-owner'), '1000:2000 750\n');
  assert.equal(await top(layers.at(-1) as string, 'secret-owner'), '1500:1600\n');
  assert.equal(asUserImage.digest, asRoot.digest);
});
