/**
 * `ocikit key generate`: the key pair files cosign writes (`cosign.key` readable by its owner
 * only, `cosign.pub`), never over existing files; the password from COSIGN_PASSWORD, else asked
 * twice on a terminal without echo (a real pseudo-terminal from `script`); and `sign` asks once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { publicKeyPem, readPrivateKey, readPublicKey, verifyImage } from '../../src/trust/index.ts';
import { OCIKIT_BIN, ocikit } from '../helpers/cli.ts';
import { scratch } from '../helpers/tmp.ts';
import { layoutImage } from './helpers.ts';

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/** How many password prompts the terminal has shown. */
/** Runs `ocikit ...args` in `cwd` on a pseudo-terminal, typing the next answer at each password prompt. */
function onTerminal(
  args: string[],
  cwd: string,
  answers: string[],
): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, OCIKIT_BIN, ...args].map(quote).join(' ');
  const env = { ...process.env };
  delete env.COSIGN_PASSWORD;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let answered = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
      if (countPrompts(screen) > answered && answered < answers.length) {
        child.stdin.write(`${answers[answered]}\r`);
        answered++;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      child.stdin.destroy();
      resolve({ code: code ?? -1, screen });
    });
  });
}

const countPrompts = (screen: string) => screen.match(/Enter password for private key[^:]*: /g)?.length ?? 0;

test('key generate writes cosign.key (owner-only) and cosign.pub; the key opens with COSIGN_PASSWORD', async (t) => {
  const dir = await scratch(t);
  const result = await ocikit(['key', 'generate'], { cwd: dir, env: { COSIGN_PASSWORD: 'env password' } });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /Private key written to cosign\.key/);
  assert.match(result.stderr, /Public key written to cosign\.pub/);
  assert.deepEqual((await readdir(dir)).sort(), ['cosign.key', 'cosign.pub']);
  assert.equal((await stat(join(dir, 'cosign.key'))).mode & 0o777, 0o600);
  const key = await readPrivateKey(await readFile(join(dir, 'cosign.key')), 'env password');
  assert.equal(publicKeyPem(key), await readFile(join(dir, 'cosign.pub'), 'utf8'));

  const named = await ocikit(['key', 'generate', '--output-prefix', 'release'], {
    cwd: dir,
    env: { COSIGN_PASSWORD: '' },
  });
  assert.equal(named.code, 0, named.stderr);
  await readPrivateKey(await readFile(join(dir, 'release.key')), '');
});

test('key generate never writes over existing files, and leaves no half pair behind', async (t) => {
  const dir = await scratch(t);
  const env = { COSIGN_PASSWORD: 'pw' };
  assert.equal((await ocikit(['key', 'generate'], { cwd: dir, env })).code, 0);
  const before = await readFile(join(dir, 'cosign.key'), 'utf8');
  const again = await ocikit(['key', 'generate'], { cwd: dir, env });
  assert.equal(again.code, 1);
  assert.match(again.stderr, /^ocikit: ALREADY_EXISTS: cosign\.key already exists/);
  assert.equal(await readFile(join(dir, 'cosign.key'), 'utf8'), before);

  await writeFile(join(dir, 'only.pub'), 'mine');
  const half = await ocikit(['key', 'generate', '--output-prefix', 'only'], { cwd: dir, env });
  assert.equal(half.code, 1);
  assert.equal(await readFile(join(dir, 'only.pub'), 'utf8'), 'mine');
  assert.deepEqual((await readdir(dir)).sort(), ['cosign.key', 'cosign.pub', 'only.pub']);
});

test('without COSIGN_PASSWORD and without a terminal, key generate stops with a usage error', async (t) => {
  const dir = await scratch(t);
  const result = await ocikit(['key', 'generate'], { cwd: dir, env: { COSIGN_PASSWORD: undefined } });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /COSIGN_PASSWORD/);
  assert.deepEqual(await readdir(dir), []);
});

test('on a terminal the password is asked twice without echo; sign asks once', async (t) => {
  const dir = await scratch(t);
  const secret = 'typed-secret-42';
  const made = await onTerminal(['key', 'generate'], dir, [secret, secret]);
  assert.equal(countPrompts(made.screen), 2);
  assert.equal(made.code, 0, made.screen);
  assert.ok(!made.screen.includes(secret), `the password was echoed: ${JSON.stringify(made.screen)}`);
  await readPrivateKey(await readFile(join(dir, 'cosign.key')), secret);

  const image = await layoutImage(join(dir, 'layout'), 'app', 'prompted');
  const signed = await onTerminal(['sign', image, '--key', 'cosign.key'], dir, [secret]);
  assert.equal(countPrompts(signed.screen), 1);
  assert.equal(signed.code, 0, signed.screen);
  assert.ok(!signed.screen.includes(secret));
  const result = await verifyImage(image, readPublicKey(await readFile(join(dir, 'cosign.pub'))));
  assert.equal(result.verified.length, 1);

  const differ = await onTerminal(['key', 'generate', '--output-prefix', 'other'], dir, ['one', 'two']);
  assert.equal(differ.code, 2, differ.screen);
  assert.match(differ.screen, /the two passwords differ/);
  assert.ok(!(await readdir(dir)).some((f) => f.startsWith('other')));
});
