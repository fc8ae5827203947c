/**
 * Hostile Dockerfiles cost bounded memory and stack: expansions that grow a value exponentially
 * (a value doubled line after line, a replacement that inserts the value for each of its
 * characters) or add up to more text than any real Dockerfile expands to stop with TOO_LARGE
 * naming the line, and a long chain of stages is built without exhausting the stack.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { OciError } from '../../src/errors/index.ts';
import { OCIKIT_BIN } from '../helpers/cli.ts';
import { scratch } from '../helpers/tmp.ts';
import { buildIn } from './engine-helpers.ts';

/** Runs `node ARGS` to its end: exit code and stderr. */
function node(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function tooLarge(err: unknown, line: RegExp): boolean {
  return err instanceof OciError && err.code === 'TOO_LARGE' && line.test(err.message);
}

test('security: an ENV doubled on each line stops with TOO_LARGE inside a 256 MB heap', async (t) => {
  const dir = await scratch(t);
  const lines = ['FROM scratch', 'ENV A=0123456789abcdef', ...Array(40).fill('ENV A=$A$A'), ''];
  await mkdir(join(dir, 'context'));
  await writeFile(join(dir, 'context', 'Dockerfile'), lines.join('\n'));
  const result = await node([
    '--max-old-space-size=256',
    OCIKIT_BIN,
    'build',
    join(dir, 'context'),
    '--cache-dir',
    join(dir, 'cache'),
    '--progress',
    'plain',
  ]);
  assert.equal(result.code, 1, result.stderr.slice(-2000));
  assert.match(result.stderr, /^ocikit: TOO_LARGE: Dockerfile:\d+: cannot expand "\$A\$A": /m);
});

test('security: a replacement inserting a value for each of its characters stops with TOO_LARGE', async (t) => {
  const big = 'x'.repeat(64 * 1024);
  await assert.rejects(buildIn(t, `FROM scratch\nENV A=${big}\nLABEL huge=\${A//?/$A}\n`), (err: unknown) =>
    tooLarge(err, /^Dockerfile:3: cannot expand /),
  );
});

test('security: expansions adding up to more text than the build allows stop with TOO_LARGE', async (t) => {
  // Each line stays under the per-word limit; together they pass the build's budget.
  const lines = ['FROM scratch', 'ENV A=0123456789abcdef'];
  for (let i = 0; i < 16; i++) lines.push('ENV A=$A$A'); // 1 MiB
  for (let i = 0; i < 100; i++) lines.push(`LABEL l${i}=$A`);
  await assert.rejects(buildIn(t, `${lines.join('\n')}\n`), (err: unknown) =>
    tooLarge(err, /^Dockerfile:\d+: the expansions of this build produce more than /),
  );
});

test('security: a chain of 10000 stages builds without exhausting the stack', async (t) => {
  const lines = ['FROM scratch AS s0'];
  for (let i = 0; i < 10_000; i++) lines.push(`FROM s${i} AS s${i + 1}`);
  lines.push('LABEL done=yes', '');
  const { result } = await buildIn(t, lines.join('\n'));
  assert.equal(result.images[0]?.config.config?.Labels?.done, 'yes');
});
