/**
 * `ocikit build` on the command line: prints `DST@sha256:…` per destination, reads the Dockerfile
 * from stdin with `-f -`, writes `--iidfile`, reports CACHED steps (`"cached": true` in JSON
 * progress), fails with `ocikit: CODE: Dockerfile:LINE: …` and exit 1 leaving the destination
 * untouched, and refuses bad flags with exit 2.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { scratch } from '../helpers/tmp.ts';
import { writeTree } from './engine-helpers.ts';

async function project(t: Parameters<typeof scratch>[0]) {
  const dir = await scratch(t);
  await writeTree(join(dir, 'ctx'), {
    Dockerfile:
      'FROM scratch\nARG GREETING=hi\nCOPY --chmod=755 hello /bin/hello\nLABEL greeting=$GREETING\n',
    hello: '#!/bin/sh\necho hello\n',
  });
  return { dir, ctx: join(dir, 'ctx'), cache: join(dir, 'cache') };
}

test('prints each destination pinned by digest and writes --iidfile', async (t) => {
  const { dir, ctx, cache } = await project(t);
  const a = join(dir, 'a');
  const b = join(dir, 'b.tar');
  const result = await ocikit([
    'build',
    ctx,
    '-t',
    `oci:${a}:v1`,
    '-t',
    `oci-archive:${b}`,
    '--cache-dir',
    cache,
    '--iidfile',
    join(dir, 'iid'),
    '--build-arg',
    'GREETING=hello',
    '--label',
    'extra=1',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const digest = (await readFile(join(dir, 'iid'), 'utf8')).trim();
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(result.out.split('\n'), [`oci:${a}@${digest}`, `oci-archive:${b} ${digest}`]);
  const inspect = await ocikit(['inspect', `oci:${a}:v1`, '--config', '--json']);
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.deepEqual(JSON.parse(inspect.out).config.Labels, { greeting: 'hello', extra: '1' });
});

test('-f - reads the Dockerfile from stdin; JSON progress marks cached steps', async (t) => {
  const { ctx, cache } = await project(t);
  const dockerfile = await readFile(join(ctx, 'Dockerfile'), 'utf8');
  const first = await ocikit(['build', ctx, '-f', '-', '--cache-dir', cache], { input: dockerfile });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.out, /^sha256:[0-9a-f]{64}$/);
  const again = await ocikit(['build', ctx, '--cache-dir', cache, '--progress', 'json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.out, first.out);
  const events = again.stderr
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const done = events.filter((e) => e.event === 'step' && e.status !== 'started');
  assert.deepEqual(
    done.map((e) => [e.text, e.cached]),
    [['COPY --chmod=755 hello /bin/hello', true]],
  );
  const plain = await ocikit(['build', ctx, '--cache-dir', cache, '--progress', 'plain']);
  assert.match(plain.stderr, /^#1 \[stage-0 1\/1\] COPY --chmod=755 hello \/bin\/hello\n#1 CACHED\n$/);
});

test('a failing build exits 1 naming the line and leaves the destination untouched', async (t) => {
  const { dir, ctx, cache } = await project(t);
  const out = join(dir, 'out');
  const result = await ocikit(['build', ctx, '-f', '-', '-t', `oci:${out}:x`, '--cache-dir', cache], {
    input: 'FROM scratch\nCOPY hello /hello\nCOPY missing /missing\n',
  });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr.split('\n').at(-2),
    'ocikit: NOT_FOUND: Dockerfile:3: "missing" not found in the build context',
  );
  await assert.rejects(stat(out), { code: 'ENOENT' });
  const syntax = await ocikit(['build', ctx, '-f', '-', '--cache-dir', cache], {
    input: 'FROM scratch\nFORM x\n',
  });
  assert.equal(syntax.code, 1);
  assert.match(syntax.stderr, /^ocikit: INVALID_ARGUMENT: Dockerfile:2: unknown instruction: FORM/);
});

test('bad flags are usage errors (exit 2)', async (t) => {
  const { ctx } = await project(t);
  const timestamp = await ocikit(['build', ctx, '--timestamp', 'yesterday']);
  assert.equal(timestamp.code, 2);
  assert.match(timestamp.stderr, /--timestamp/);
  const arg = await ocikit(['build', ctx, '--build-arg', '=x']);
  assert.equal(arg.code, 2);
  const progress = await ocikit(['build', ctx, '--progress', 'fancy']);
  assert.equal(progress.code, 2);
});
