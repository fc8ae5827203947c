/**
 * Reproducibility across builders: the same inputs give the same digest whatever the umask of the
 * process and whether it runs as root or as an unprivileged user. Files that come from tar
 * headers (an ADD of a local archive, the filesystem of a stage read by `COPY --from`) keep the
 * owners and modes the headers give, and directories that only exist implicitly (a header
 * `a/b/file` without `a/` or `a/b/`) are 0755 and owned by root, as BuildKit makes them, not
 * whatever the builder's umask and uid would make on disk.
 *
 * Each build runs in its own child process (`umask` set by the shell before Node starts; the
 * unprivileged one as uid 65534).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hostileTar } from '../helpers/hostile-tar.ts';
import { scratch } from '../helpers/tmp.ts';
import { listImage } from './engine-helpers.ts';

const BUILD_INDEX = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/build/index.ts');
const NOBODY = 65534;

const DOCKERFILE = [
  'FROM scratch AS unpacked',
  'ADD layer.tar /x/',
  'FROM scratch',
  'COPY --from=unpacked /x /out/',
  '',
].join('\n');

/** Builds the context in `dir` into `dir/NAME-layout` from a child process; returns the digest. */
function buildAs(dir: string, name: string, options: { umask: string; uid?: number }): string {
  const script = join(dir, 'build.ts');
  const out = join(dir, `${name}-out`);
  mkdirSync(out);
  if (options.uid !== undefined) chownSync(out, options.uid, options.uid);
  const command = `umask ${options.umask} && exec "$0" "$1"`;
  const child = spawnSync('sh', ['-c', command, process.execPath, script], {
    cwd: out,
    encoding: 'utf8',
    env: { ...process.env, CONTEXT: join(dir, 'context'), OUT: out },
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  assert.equal(child.status, 0, `${name}: ${child.stderr}`);
  return child.stdout.trim();
}

test('the same build as root under umask 022 and 077, and as an unprivileged user, gives one digest', async (t) => {
  const dir = await scratch(t);
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'context'));
  writeFileSync(join(dir, 'context', 'Dockerfile'), DOCKERFILE);
  writeFileSync(
    join(dir, 'context', 'layer.tar'),
    await hostileTar([
      { name: 'a/b/file', content: 'implied parents\n', mode: 0o640, uid: 1000, gid: 1001 },
      { name: 'c/', type: 'directory', mode: 0o750, uid: 7, gid: 8 },
      { name: 'c/owned', content: 'owned\n', mode: 0o600, uid: 7, gid: 8 },
      { name: 'c/root', content: 'root\n', mode: 0o644 },
    ]),
  );
  chmodSync(join(dir, 'context', 'layer.tar'), 0o644);
  writeFileSync(
    join(dir, 'build.ts'),
    `import { build } from ${JSON.stringify(BUILD_INDEX)};
const out = process.env.OUT;
const result = await build({
  context: process.env.CONTEXT,
  cacheDir: out + '/cache',
  tags: ['oci:' + out + '/layout:img'],
});
console.log(result.digest);
`,
  );
  const root = buildAs(dir, 'root', { umask: '022' });
  assert.deepEqual(await listImage(join(dir, 'root-out', 'layout')), [
    [
      'd 0755 0:0 0 out/',
      'd 0755 0:0 0 out/a/',
      'd 0755 0:0 0 out/a/b/',
      '- 0640 1000:1001 16 out/a/b/file',
      'd 0750 7:8 0 out/c/',
      '- 0600 7:8 6 out/c/owned',
      '- 0644 0:0 5 out/c/root',
    ],
  ]);
  assert.equal(buildAs(dir, 'unprivileged', { umask: '022', uid: NOBODY }), root, 'uid 65534');
  assert.equal(buildAs(dir, 'strict-umask', { umask: '077' }), root, 'umask 077');
});
