/**
 * Where binary output goes: a reader that closes the pipe early (`| head`) ends the command
 * quietly; binary data (`export -`, `blob`) is refused on a terminal unless `-o -` asks for it (as
 * gzip refuses); `-o FILE` writes a file whole or not at all. Pipes are real shell pipes; the
 * terminal is a real pseudo-terminal from `script`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OCIKIT_BIN, ocikit } from '../helpers/cli.ts';
import { run } from '../helpers/exec.ts';
import { suiteScratch } from '../helpers/tmp.ts';

/** Quotes one word for sh. */
const quote = (word: string): string => `'${word.replaceAll("'", "'\\''")}'`;

/** The shell command line that runs `ocikit ...args`. */
const commandLine = (args: string[]): string => [process.execPath, OCIKIT_BIN, ...args].map(quote).join(' ');

/** Exit status of `file ...args` (output left in the files the command line names). */
function status(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'ignore', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? -1));
  });
}

/** Runs `ocikit ...args | head -c 10` in bash: ocikit's exit status, its stderr, and what head printed. */
async function intoHead(
  stem: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number; stderr: string; head: Buffer }> {
  const code = await status(
    'bash',
    ['-c', `${commandLine(args)} 2>"$0.err" | head -c 10 >"$0.head"; exit "\${PIPESTATUS[0]}"`, stem],
    env,
  );
  return {
    status: code,
    stderr: await readFile(`${stem}.err`, 'utf8'),
    head: await readFile(`${stem}.head`),
  };
}

/** Runs `ocikit ...args` with stdout and stderr on a pseudo-terminal: its exit status and the screen. */
async function onTerminal(stem: string, args: string[]): Promise<{ status: number; screen: string }> {
  const code = await status('script', ['-qec', commandLine(args), `${stem}.screen`]);
  return { status: code, screen: await readFile(`${stem}.screen`, 'latin1') };
}

describe('binary output', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let big: string;
  let small: string;
  let layerDigest: string;
  let configDigest: string;

  before(async () => {
    dir = await makeDir();
    await mkdir(join(dir, 'big'));
    await writeFile(join(dir, 'big/data.bin'), randomBytes(4 << 20));
    await mkdir(join(dir, 'small'));
    await writeFile(join(dir, 'small/hello.txt'), 'hello\n');
    big = `oci:${join(dir, 'layout')}:big`;
    small = `oci:${join(dir, 'layout')}:small`;
    for (const [tree, name] of [
      ['big', big],
      ['small', small],
    ] as const) {
      const made = await ocikit(['append', 'scratch', join(dir, tree), '-t', name]);
      assert.equal(made.code, 0, made.stderr);
    }
    const manifest = JSON.parse((await ocikit(['inspect', '--raw', big])).out) as {
      config: { digest: string };
      layers: Array<{ digest: string }>;
    };
    layerDigest = manifest.layers[0]?.digest ?? '';
    configDigest = manifest.config.digest;
  });

  test('export - into a pipe closed early ends quietly and removes its temp root', async () => {
    const tmp = join(dir, 'export-pipe-tmp');
    await mkdir(tmp);
    const { status, stderr, head } = await intoHead(join(dir, 'export-pipe'), ['export', big, '-'], {
      TMPDIR: tmp,
      NODE_COMPILE_CACHE: join(dir, 'compile-cache'),
    });
    assert.equal(stderr, '', 'no error text for a reader that stopped reading');
    assert.equal(status, 0);
    assert.equal(head.byteLength, 10);
    assert.deepEqual(await readdir(tmp), [], 'the flattened root is removed');
  });

  test('blob into a pipe closed early ends quietly', async () => {
    const { status, stderr, head } = await intoHead(join(dir, 'blob-pipe'), ['blob', big, layerDigest]);
    assert.equal(stderr, '');
    assert.equal(status, 0);
    assert.equal(head.byteLength, 10);
  });

  test('blob and export - refuse a terminal with a usage error', async () => {
    for (const [name, args] of [
      ['blob-tty', ['blob', big, configDigest]],
      ['export-tty', ['export', small, '-']],
    ] as const) {
      const { status, screen } = await onTerminal(join(dir, name), [...args]);
      assert.equal(status, 2, screen);
      assert.match(screen, /ocikit: .*terminal.*-o -/, screen);
    }
  });

  test('-o - writes to the terminal when asked', async () => {
    const blob = await onTerminal(join(dir, 'blob-forced'), ['blob', big, configDigest, '-o', '-']);
    assert.equal(blob.status, 0, blob.screen);
    assert.match(blob.screen, /"architecture":/);
    const exported = await onTerminal(join(dir, 'export-forced'), ['export', small, '-o', '-']);
    assert.equal(exported.status, 0, exported.screen);
    assert.match(exported.screen, /hello\.txt/);
  });

  test('-o FILE writes the verified blob, and the export, to a file', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    const blob = await ocikit(['blob', big, layerDigest, '-o', join(out, 'layer')]);
    assert.equal(blob.code, 0, blob.stderr);
    assert.equal(blob.stdout.byteLength, 0, 'nothing on stdout');
    const bytes = await readFile(join(out, 'layer'));
    assert.equal(`sha256:${createHash('sha256').update(bytes).digest('hex')}`, layerDigest);
    const exported = await ocikit(['export', small, '-o', join(out, 'fs.tar')]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(await run('tar', ['-tf', join(out, 'fs.tar')]), /^hello\.txt$/m);
    assert.deepEqual((await readdir(out)).sort(), ['fs.tar', 'layer'], 'no temp file left beside them');
  });

  test('export takes its file once: as an argument or with -o', async () => {
    const both = await ocikit(['export', small, join(dir, 'a.tar'), '-o', join(dir, 'b.tar')]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /ocikit: /);
    const neither = await ocikit(['export', small]);
    assert.equal(neither.code, 2);
  });
});
