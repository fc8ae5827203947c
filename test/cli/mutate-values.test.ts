/**
 * `mutate` checks what it writes into a config: `--expose` takes PORT[/PROTOCOL], `--stop-signal`
 * a signal name or number, and a repeated `--cmd`/`--entrypoint` is a usage error (the whole
 * argument list is one JSON array), not a silent "last one wins".
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ocikit } from '../helpers/cli.ts';
import { suiteScratch } from '../helpers/tmp.ts';

describe('mutate values', () => {
  const makeDir = suiteScratch(after);
  let dir: string;
  let image: string;
  let n = 0;

  before(async () => {
    dir = await makeDir();
    await mkdir(join(dir, 'tree'), { recursive: true });
    await writeFile(join(dir, 'tree/hello'), 'hello\n');
    image = `oci:${join(dir, 'layout')}:img`;
    const built = await ocikit(['append', 'scratch', join(dir, 'tree'), '-t', image]);
    assert.equal(built.code, 0, built.stderr);
  });

  /** Runs mutate into a fresh tag and returns the result and the config it wrote (if any). */
  async function mutate(args: string[]) {
    const destination = `oci:${join(dir, 'layout')}:out${n++}`;
    const result = await ocikit(['mutate', image, ...args, '-t', destination]);
    if (result.code !== 0) return { result, config: undefined };
    const shown = await ocikit(['inspect', '--config', destination]);
    assert.equal(shown.code, 0, shown.stderr);
    return { result, config: JSON.parse(shown.out).config as Record<string, unknown> };
  }

  async function tags(): Promise<string[]> {
    return (await ocikit(['ls', `oci:${join(dir, 'layout')}`])).out.split('\n');
  }

  test('--expose writes PORT/PROTOCOL, tcp by default, protocol in lower case', async () => {
    const { result, config } = await mutate([
      '--expose',
      '8080',
      '--expose',
      '53/UDP',
      '--expose',
      '9000/sctp',
      '--expose',
      '65535/tcp',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(Object.keys(config?.ExposedPorts as object).sort(), [
      '53/udp',
      '65535/tcp',
      '8080/tcp',
      '9000/sctp',
    ]);
  });

  test('--expose refuses what is not a port, and writes nothing', async () => {
    const before = await tags();
    for (const bad of ['abc', '0', '65536', '80/xyz', '80/', '/tcp', '-1', '8080/tcp/udp', '08', '1e3', '']) {
      const { result } = await mutate(['--expose', bad]);
      assert.equal(result.code, 2, `${JSON.stringify(bad)}: ${result.stderr}`);
      assert.match(result.stderr, /--expose/);
      assert.equal(result.out, '');
    }
    assert.deepEqual(await tags(), before);
  });

  test('--stop-signal takes signal names (with or without SIG, any case) and numbers', async () => {
    for (const [given, stored] of [
      ['SIGTERM', 'SIGTERM'],
      ['term', 'SIGTERM'],
      ['SigQuit', 'SIGQUIT'],
      ['SIGRTMIN+3', 'SIGRTMIN+3'],
      ['RTMAX-1', 'SIGRTMAX-1'],
      ['9', '9'],
    ] as const) {
      const { result, config } = await mutate(['--stop-signal', given]);
      assert.equal(result.code, 0, `${given}: ${result.stderr}`);
      assert.equal(config?.StopSignal, stored, given);
    }
  });

  test('--stop-signal refuses an unknown signal', async () => {
    for (const bad of ['FOO', 'SIGFOO', '0', '65', '-9', 'SIGRTMIN+16', 'SIG', '']) {
      const { result } = await mutate(['--stop-signal', bad]);
      assert.equal(result.code, 2, `${JSON.stringify(bad)}: ${result.stderr}`);
      assert.match(result.stderr, /--stop-signal/);
    }
  });

  test('a repeated --cmd or --entrypoint is a usage error that says to give a JSON array', async () => {
    const before = await tags();
    for (const flag of ['--cmd', '--entrypoint']) {
      const { result } = await mutate([flag, 'sh', flag, '-c']);
      assert.equal(result.code, 2, `${flag}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`${flag}.*JSON array`));
    }
    assert.deepEqual(await tags(), before);
    const { result, config } = await mutate(['--cmd', '["sh","-c","echo hi"]']);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(config?.Cmd, ['sh', '-c', 'echo hi']);
  });
});
