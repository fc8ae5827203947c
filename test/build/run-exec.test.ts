/**
 * RUN steps executed by real runc on a busybox root filesystem: the shell, exec and heredoc
 * forms, SHELL, the environment, the user and working directory, the network mode, the
 * generated /etc files, output streamed while the step runs, exit codes, and an abort.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { isOciError } from '../../src/errors/index.ts';
import { scratch } from '../helpers/tmp.ts';
import { busyboxLayer, layerEntries, sh, stepRunner } from './run-fixtures.ts';

/** Mount points under `root` still mounted (none must be left behind by a step). */
function mountsUnder(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(root));
}

test('a shell-form step runs as USER in WORKDIR with its environment, stdout and stderr apart', async (t) => {
  const base = await busyboxLayer(t);
  const { run } = await stepRunner(t);
  const result = await run([base], {
    command: sh(
      'echo "ids=$(id -u):$(id -g) groups=$(id -G)"; echo "cwd=$(pwd)"; echo "greeting=$GREETING"; echo "path=$PATH"; echo oops >&2',
    ),
    user: 'app',
    workdir: '/srv/work',
    env: ['GREETING=hello  world'],
  });
  assert.deepEqual(result.stdout.trim().split('\n'), [
    'ids=1000:1000 groups=1000 2000',
    'cwd=/srv/work',
    'greeting=hello  world',
    'path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  ]);
  assert.equal(result.stderr, 'oops\n');
  assert.deepEqual(result.user, { uid: 1000, gid: 1000, additionalGids: [2000] });
  assert.equal(result.layer, undefined, 'a step that only prints writes no layer');
});

test('an exec-form step runs its argv without a shell; SHELL replaces /bin/sh -c for the shell form', async (t) => {
  const base = await busyboxLayer(t);
  const { run } = await stepRunner(t);
  const exec = await run([base], { command: { form: 'exec', argv: ['/bin/echo', '$HOME', 'a  b'] } });
  assert.equal(exec.stdout, '$HOME a  b\n');
  const shell = await run([base], { command: sh('the command'), shell: ['/bin/echo', 'through'] });
  assert.equal(shell.stdout, 'through the command\n');
});

test('heredocs run as BuildKit runs them: a lone body in the shell, a #! body as a script file, others read by the shell', async (t) => {
  const base = await busyboxLayer(t);
  const { run } = await stepRunner(t);
  const lone = await run([base], {
    command: sh('<<EOF'),
    heredocs: [{ name: 'EOF', content: 'echo one\necho two\n', expand: true, chomp: false }],
  });
  assert.equal(lone.stdout, 'one\ntwo\n');

  const script = await run([base], {
    command: sh('<<EOT'),
    heredocs: [{ name: 'EOT', content: '#!/bin/sh\necho "script=$0 args=$#"\n', expand: true, chomp: false }],
  });
  assert.equal(script.stdout, 'script=/dev/pipes/EOT args=0\n');
  assert.equal(script.layer, undefined, 'the script file is mounted, never written into the layer');

  const files = await run([base], {
    command: sh('cat <<A >/a.txt && cat <<-"B" >/b.txt'),
    heredocs: [
      { name: 'A', content: 'home=$HOME\n', expand: true, chomp: false },
      { name: 'B', content: 'kept $HOME\n', expand: false, chomp: true },
    ],
  });
  const entries = await layerEntries(files.layer);
  const text = (path: string) => entries.find((e) => e.path === path)?.content?.toString();
  assert.equal(text('a.txt'), 'home=/root\n');
  assert.equal(text('b.txt'), 'kept $HOME\n');
});

test('the container gets its own host name and generated /etc files; --network=none leaves only loopback', async (t) => {
  const base = await busyboxLayer(t);
  const { run } = await stepRunner(t);
  const none = await run([base], {
    command: sh(
      'hostname; cat /etc/hostname /etc/hosts; grep : /proc/net/dev | tr -s " " | sed "s/^ //" | sed "s/:.*//"',
    ),
    network: 'none',
    hostname: 'builder',
    extraHosts: [{ name: 'db.internal', address: '10.1.2.3' }],
  });
  assert.deepEqual(none.stdout.trim().split('\n'), [
    'builder',
    'builder',
    '127.0.0.1\tlocalhost builder',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    '10.1.2.3\tdb.internal',
    'lo',
  ]);
  const hostInterfaces = readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .filter((l) => l.includes(':'))
    .map((l) => l.trim().split(':')[0]);
  const host = await run([base], {
    command: sh('grep : /proc/net/dev | tr -s " " | sed "s/^ //" | sed "s/:.*//" | sort'),
    network: 'host',
  });
  assert.deepEqual(host.stdout.trim().split('\n'), [...hostInterfaces].sort());
});

test('output reaches the caller while the step is still running', async (t) => {
  const base = await busyboxLayer(t);
  const { run } = await stepRunner(t);
  const shared = await scratch(t);
  // The step waits for a file the test writes only once it has seen the step's first line: were
  // output delivered at the end, the step would never finish.
  const result = await run([base], {
    command: sh('echo ready; while [ ! -e /sync/go ]; do sleep 0.05; done; echo finished'),
    mounts: [{ type: 'bind', source: shared, destination: '/sync' }],
    onOutput: (chunk) => {
      if (chunk.toString().includes('ready')) writeFileSync(`${shared}/go`, '');
    },
  });
  assert.equal(result.stdout, 'ready\nfinished\n');
  assert.equal(result.layer, undefined, 'the bind mount and its mount point stay out of the layer');
});

test('a non-zero exit fails the step naming its place, its command and the exit code, and leaves nothing behind', async (t) => {
  const base = await busyboxLayer(t);
  const { run, cacheRoot } = await stepRunner(t);
  await assert.rejects(
    run([base], { command: sh('echo partial > /file; exit 3'), place: { file: 'Dockerfile', line: 7 } }),
    (err) => {
      assert.ok(isOciError(err, 'COMMAND_FAILED'), String(err));
      assert.equal(
        err.message,
        'Dockerfile:7: process "/bin/sh -c echo partial > /file; exit 3" did not complete successfully: exit code: 3',
      );
      assert.equal(err.data.file, 'Dockerfile');
      assert.equal(err.data.line, 7);
      assert.equal(err.data.exitCode, 3);
      assert.deepEqual(err.data.command, ['/bin/sh', '-c', 'echo partial > /file; exit 3']);
      return true;
    },
  );
  await assert.rejects(run([base], { command: { form: 'exec', argv: ['/no/such/program'] } }), (err) => {
    assert.ok(isOciError(err, 'COMMAND_FAILED'), String(err));
    assert.match(err.message, /process "\/no\/such\/program" did not complete successfully/);
    assert.match(String(err.data.runtime), /no such file or directory/);
    return true;
  });
  assert.deepEqual(mountsUnder(cacheRoot), []);
  assert.deepEqual(readdirSync(`${cacheRoot}/tmp`), [], 'no step folder is left');
});

test('an aborted step stops its container, fails with ABORTED and leaves nothing mounted', async (t) => {
  const base = await busyboxLayer(t);
  const { run, cacheRoot } = await stepRunner(t);
  const controller = new AbortController();
  await assert.rejects(
    run([base], {
      command: sh('echo started; sleep 600'),
      signal: controller.signal,
      onOutput: (chunk) => {
        if (chunk.toString().includes('started')) controller.abort();
      },
    }),
    (err) => isOciError(err, 'ABORTED'),
  );
  assert.deepEqual(mountsUnder(cacheRoot), []);
  assert.deepEqual(readdirSync(`${cacheRoot}/tmp`), []);
});

test('USER is resolved in the stage: unknown names fail, uid:gid is taken as written', async (t) => {
  const base = await busyboxLayer(t);
  const { run } = await stepRunner(t);
  const ids = async (user: string) =>
    (await run([base], { command: sh('echo "$(id -u) $(id -g) $(id -G)"'), user })).stdout.trim();
  assert.equal(await ids('1000'), '1000 1000 1000 2000', 'a uid in passwd gets its groups');
  assert.equal(await ids('app:extra'), '1000 2000 2000', 'an explicit group, no supplementary groups');
  assert.equal(await ids('4242'), '4242 0 0', 'a uid not in passwd runs with gid 0');
  assert.equal(await ids('5:6'), '5 6 6');
  await assert.rejects(run([base], { command: sh('true'), user: 'ghost' }), (err) => {
    assert.ok(isOciError(err, 'INVALID_ARGUMENT'));
    assert.equal(err.message, 'unable to find user ghost: no matching entries in passwd file');
    return true;
  });
  await assert.rejects(
    run([base], { command: sh('true'), user: 'app:ghosts' }),
    (err) => isOciError(err, 'INVALID_ARGUMENT') && /unable to find group ghosts/.test(err.message),
  );
});
