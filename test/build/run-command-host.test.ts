/**
 * The command host that runs RUN's helper programs (mount, umount, getfattr) through one shell:
 * arguments reach the program byte for byte whatever they hold, exit status, output and
 * environment come back as a direct spawn gives them, a missing program is an error, and the
 * shell never outlives the process that started it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHelper, statusPolls } from '../../src/build/run/command-host.ts';
import { scratch } from '../helpers/tmp.ts';

test('security: arguments reach the program literally, quotes, $, backticks and newlines included', () => {
  const args = ["it's", '$HOME', '`id`', '$(id)', 'a b', 'line\nbreak', '; rm -rf /', '', '\\', '"'];
  const result = runHelper('printf', ['%s\\0', ...args]);
  assert.equal(result.status, 0);
  assert.deepEqual(result.stdout.split('\0').slice(0, -1), args);
});

test('exit status, stderr, environment and working directory come back as a spawn gives them', async (t) => {
  const failed = runHelper('sh', ['-c', 'echo out; echo err >&2; exit 3']);
  assert.deepEqual([failed.status, failed.signal, failed.stdout, failed.stderr], [3, null, 'out\n', 'err\n']);
  const env = runHelper('sh', ['-c', 'printf %s "$OCIKIT_HOST_TEST"'], { env: { OCIKIT_HOST_TEST: 'x y' } });
  assert.equal(env.stdout, 'x y');
  const dir = await scratch(t);
  await mkdir(join(dir, 'sub dir'));
  assert.equal(runHelper('pwd', [], { cwd: join(dir, 'sub dir') }).stdout, `${join(dir, 'sub dir')}\n`);
  assert.equal(runHelper('sh', ['-c', 'read x || echo eof']).stdout, 'eof\n', 'the program reads no input');
  const killed = runHelper('sh', ['-c', 'kill -9 $$']);
  assert.equal(killed.status, null);
  assert.ok(killed.signal !== null);
  const missing = runHelper('ocikit-no-such-program', ['x']);
  assert.ok(missing.error instanceof Error);
});

test('waiting for a slow helper program is a blocking read, not a polling loop', () => {
  runHelper('true', []); // the host is started and has answered once
  const before = statusPolls();
  assert.equal(runHelper('sleep', ['0.3']).status, 0);
  // Polling cost about 1 ms of CPU per helper program, taken from the steps running beside it.
  assert.equal(statusPolls(), before, 'no poll after the first answer');
});

test('a signal arriving while a helper runs does not give the host up (EINTR is not a dead shell)', async () => {
  const code = `import { runHelper } from ${JSON.stringify(new URL('../../src/build/run/command-host.ts', import.meta.url).href)};
runHelper('true', []);
process.stdout.write('ready\\n');
const result = runHelper('sleep', ['0.8']);
process.stdout.write(JSON.stringify({ status: result.status, error: result.error?.message ?? null }) + '\\n');`;
  // SIGUSR1 is Node's own (it opens the inspector, on loopback) and interrupts a blocking read.
  const child = spawn(process.execPath, ['--inspect-port=0', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready')) resolve();
    });
  });
  await new Promise((r) => setTimeout(r, 200));
  child.kill('SIGUSR1');
  await new Promise((resolve) => child.once('close', resolve));
  const last = JSON.parse(out.trim().split('\n').at(-1) as string);
  assert.deepEqual(last, { status: 0, error: null });
});

test('the host shell exits when the process that started it is killed', async (t) => {
  // The killed process cannot remove its host folder: it makes it in a scratch folder of the test.
  const temp = await scratch(t);
  const code = `import { runHelper } from ${JSON.stringify(new URL('../../src/build/run/command-host.ts', import.meta.url).href)};
process.stdout.write(runHelper('sh', ['-c', 'echo $PPID']).stdout);
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, TMPDIR: temp },
  });
  const pid = await new Promise<number>((resolve) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  const alive = (p: number): boolean => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  assert.ok(pid > 0 && alive(pid), 'the host shell runs');
  child.kill('SIGKILL');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(pid), false, 'the host shell is gone');
});

test('a host shell that was killed is replaced by direct spawns; one killed mid-command fails that command', async () => {
  const pid = Number(runHelper('sh', ['-c', 'echo $PPID']).stdout.trim());
  process.kill(pid, 'SIGKILL');
  // Killed while this thread waits for it: it stays a zombie until the event loop reaps it.
  const inFlight = runHelper('sh', ['-c', 'echo never']);
  assert.equal(inFlight.status, null);
  assert.match(inFlight.error?.message ?? '', /helper shell died/);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(runHelper('echo', ['still works']).stdout, 'still works\n');
});
