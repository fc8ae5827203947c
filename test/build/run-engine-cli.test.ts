/**
 * RUN through the `ocikit build` command: the step's output in `--progress plain` and `json`,
 * `--network none` for every step, a bad `--network` as a usage error, and a build run by a
 * non-root user refused with UNSUPPORTED naming rootless RUN.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OCIKIT_BIN, ocikit } from '../helpers/cli.ts';
import { scratch } from '../helpers/tmp.ts';
import { makePeerBase } from './peer-base.ts';

let base = '';
let baseDir = '';

before(async () => {
  baseDir = await mkdtemp(join(tmpdir(), 'ocikit-run-cli-'));
  await chmod(baseDir, 0o755); // the non-root build reads the base too
  base = (await makePeerBase(baseDir)).name;
});

after(() => rm(baseDir, { recursive: true, force: true }));

/** A context folder holding `dockerfile`, readable by anyone. */
async function context(t: Parameters<typeof scratch>[0], dockerfile: string): Promise<string> {
  const dir = await scratch(t);
  await chmod(dir, 0o755);
  const ctx = join(dir, 'ctx');
  await mkdir(ctx, { mode: 0o755 });
  await writeFile(join(ctx, 'Dockerfile'), dockerfile, { mode: 0o644 });
  return ctx;
}

test('--progress plain shows the lines a RUN prints under its step number; --network none applies to every step', async (t) => {
  const ctx = await context(t, `FROM ${base}\nRUN echo "interfaces: $(tail -n +3 /proc/net/dev | wc -l)"\n`);
  const out = join(ctx, '..', 'out');
  const result = await ocikit([
    'build',
    ctx,
    '-t',
    `oci:${out}:img`,
    '--cache-dir',
    join(ctx, '..', 'cache'),
    '--progress',
    'plain',
    '--network',
    'none',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const step = /^#(\d+) \[stage-0 2\/2\] RUN echo/m.exec(result.stderr);
  assert.ok(step, result.stderr);
  assert.match(result.stderr, new RegExp(`^#${step[1]} interfaces: 1$`, 'm'));
  assert.match(result.out, /^oci:.*@sha256:[0-9a-f]{64}$/);
});

test('--progress json gives each output line as an event naming its step and stream', async (t) => {
  const ctx = await context(t, `FROM ${base}\nRUN echo to-out; echo to-err >&2\n`);
  const result = await ocikit(['build', ctx, '--cache-dir', join(ctx, '..', 'cache'), '--progress', 'json']);
  assert.equal(result.code, 0, result.stderr);
  const events = result.stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const step = events.find((e) => e.event === 'step' && e.text.startsWith('RUN'));
  // stdout and stderr are two pipes: the order between them is not defined, only within each.
  const output = events
    .filter((e) => e.event === 'output')
    .map((e) => [e.id, e.stream, e.line])
    .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
  assert.deepEqual(output, [
    [step.id, 'stderr', 'to-err'],
    [step.id, 'stdout', 'to-out'],
  ]);
});

test('--network takes host or none only (usage error otherwise)', async (t) => {
  const ctx = await context(t, `FROM ${base}\nRUN true\n`);
  const result = await ocikit(['build', ctx, '--network', 'bridge']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--network/);
});

test('a build with RUN by a non-root user without subordinate ids fails with UNSUPPORTED naming /etc/subuid and the line', async (t) => {
  const ctx = await context(t, `FROM ${base}\nRUN echo hi > /hi\n`);
  const cache = join(ctx, '..', 'cache');
  await mkdir(cache);
  await chown(cache, 65534, 65534);
  const child = spawn(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      process.execPath,
      OCIKIT_BIN,
      'build',
      ctx,
      '--cache-dir',
      cache,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 1, stderr);
  assert.match(
    stderr,
    /^ocikit: UNSUPPORTED: Dockerfile:2: rootless RUN needs subordinate ids for user nobody: add a range to \/etc\/subuid/m,
  );
});

test('--secret id=ID,src=FILE reaches RUN --mount=type=secret; one without a source is a usage error', async (t) => {
  const ctx = await context(
    t,
    `FROM ${base}\nRUN --mount=type=secret,id=tok echo "length $(wc -c < /run/secrets/tok)"\n`,
  );
  const file = join(ctx, '..', 'tok.txt');
  await writeFile(file, 'twelve bytes');
  const cacheDir = join(ctx, '..', 'cache');
  const result = await ocikit([
    'build',
    ctx,
    '--cache-dir',
    cacheDir,
    '--progress',
    'plain',
    '--secret',
    `id=tok,src=${file}`,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^#\d+ length 12$/m);
  const bad = await ocikit(['build', ctx, '--cache-dir', cacheDir, '--secret', 'id=tok']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--secret tok: give one of src=FILE and env=VAR/);
});
