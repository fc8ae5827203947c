/**
 * `ocikit login` on a terminal asks for the password without echoing it (a real pseudo-terminal
 * from `script`), checks it against a real htpasswd registry, and saves it; `--authfile` (or
 * `REGISTRY_AUTH_FILE`) names the file it is saved in. Without a terminal the password must come
 * on stdin.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OCIKIT_BIN, ocikit } from '../helpers/cli.ts';
import { type RunningRegistry, startRegistry } from '../helpers/registry.ts';
import { isolatedHome } from './cli-env.ts';

const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * Runs `ocikit ...args` on a pseudo-terminal; each time the terminal output ends with a key of
 * `answers`, its value is typed. Resolves with the exit code and everything the terminal showed.
 */
function onTerminal(
  args: string[],
  env: NodeJS.ProcessEnv,
  answers: Array<[RegExp, string]>,
): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, OCIKIT_BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    const pending = [...answers];
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
      const next = pending[0];
      // readline moves the cursor with escape sequences around its prompt.
      if (next?.[0].test(screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''))) {
        pending.shift();
        child.stdin.write(next[1]);
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

describe('login with a password prompt', () => {
  let registry: RunningRegistry;
  before(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
  });
  after(() => registry?.stop());

  test('on a terminal the password is asked for, not echoed, checked and saved', async (t) => {
    const h = await isolatedHome(t);
    const { username, password } = registry.credentials!;
    const { code, screen } = await onTerminal(['login', registry.host, '-u', username], h.env, [
      [/Password: *$/, `${password}\r`],
    ]);
    assert.equal(code, 0, screen);
    assert.match(screen, /Password:/);
    assert.ok(!screen.includes(password), `the password was echoed: ${JSON.stringify(screen)}`);
    assert.match(screen, new RegExp(`logged in to ${registry.host.replaceAll('.', '\\.')}`));
    const saved = JSON.parse(await readFile(h.dockerConfig, 'utf8'));
    assert.equal(saved.auths[registry.host].auth, Buffer.from(`${username}:${password}`).toString('base64'));
  });

  test('the user name is asked for too when -u is absent; --authfile names the file saved to', async (t) => {
    const h = await isolatedHome(t);
    const { username, password } = registry.credentials!;
    const authfile = join(h.home, 'ci', 'auth.json');
    const { code, screen } = await onTerminal(['login', '--authfile', authfile, registry.host], h.env, [
      [/Username: *$/, `${username}\r`],
      [/Password: *$/, `${password}\r`],
    ]);
    assert.equal(code, 0, screen);
    assert.ok(!screen.includes(password));
    const saved = JSON.parse(await readFile(authfile, 'utf8'));
    assert.equal(saved.auths[registry.host].auth, Buffer.from(`${username}:${password}`).toString('base64'));
    const catalog = await ocikit(['catalog', '--authfile', authfile, registry.host], { env: h.env });
    assert.equal(catalog.code, 0, catalog.stderr);
  });

  test('a wrong password typed at the prompt is refused and nothing is saved', async (t) => {
    const h = await isolatedHome(t);
    const { code, screen } = await onTerminal(
      ['login', registry.host, '-u', registry.credentials!.username],
      h.env,
      [[/Password: *$/, 'not-the-password\r']],
    );
    assert.equal(code, 1);
    assert.match(screen, /UNAUTHORIZED/);
    assert.ok(!screen.includes('not-the-password'));
    await assert.rejects(readFile(h.dockerConfig));
  });

  test('Ctrl-C at the password prompt interrupts the command (exit 130) and saves nothing', async (t) => {
    const h = await isolatedHome(t);
    const { code, screen } = await onTerminal(['login', registry.host, '-u', 'someone'], h.env, [
      [/Password: *$/, 'half-typed\u0003'],
    ]);
    assert.equal(code, 130, screen);
    assert.match(screen, /ABORTED: interrupted/);
    assert.ok(!screen.includes('half-typed'));
    await assert.rejects(readFile(h.dockerConfig));
  });

  test('--creds USER without a password asks for it on a terminal, without echo', async (t) => {
    const h = await isolatedHome(t);
    const { username, password } = registry.credentials!;
    const { code, screen } = await onTerminal(['catalog', '--creds', username, registry.host], h.env, [
      [new RegExp(`Password for ${username}: *$`), `${password}\r`],
    ]);
    assert.equal(code, 0, screen);
    assert.ok(!screen.includes(password));
    const refused = await ocikit(['catalog', '--creds', username, registry.host], { env: h.env });
    assert.equal(refused.code, 2, 'without a terminal the password must be in the flag');
    assert.match(refused.stderr, /--creds .*no password given/);
  });

  test('without a terminal and without --password-stdin it is a usage error, before any request', async (t) => {
    const h = await isolatedHome(t);
    const result = await ocikit(['login', registry.host, '-u', 'someone'], { env: h.env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--password-stdin/);
  });
});
