/** `ocikit login REGISTRY [-u USER] [--password-stdin]` and `ocikit logout REGISTRY`. */
import { Command } from '@commander-js/extra-typings';
import { transportOptions } from '../context.ts';
import { log } from '../output.ts';
import { UsageError } from '../run.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/**
 * The user name and password: `-u` or asked on the terminal; `-p`, `--password-stdin` or asked
 * without echo.
 */
async function askCredentials(
  username: string | undefined,
  passwordStdin: boolean,
  given?: string,
): Promise<{ username: string; password: string }> {
  if (given !== undefined && passwordStdin)
    throw new UsageError('-p/--password and --password-stdin exclude each other');
  const { canPrompt, promptLine, promptSecret } = await import('../password-prompt.ts');
  const terminal = canPrompt();
  if (username === undefined) {
    if (passwordStdin || !terminal) throw new UsageError('name the user with -u USER');
    username = (await promptLine('Username: ')).trim();
    if (username === '') throw new UsageError('the user name is empty');
  }
  if (given !== undefined) {
    if (given === '') throw new UsageError('the password is empty');
    return { username, password: given };
  }
  if (passwordStdin) {
    const password = await readStdin();
    if (password === '') throw new UsageError('the password read from stdin is empty');
    return { username, password };
  }
  if (!terminal) {
    throw new UsageError(
      'pass the password on stdin with --password-stdin (or run on a terminal to be asked for it)',
    );
  }
  const password = await promptSecret('Password: ');
  if (password === '') throw new UsageError('the password is empty');
  return { username, password };
}

/**
 * Registers `login`: verifies credentials against the registry (with the TLS flags), then saves
 * them in the auth file (`--authfile`, else `$REGISTRY_AUTH_FILE`, else Docker's config.json or
 * its credential helper).
 */
export function loginCommand() {
  return new Command('login')
    .description(
      "log in to a registry: the credentials are checked, then saved in the auth file (--authfile, $REGISTRY_AUTH_FILE, else Docker's config.json or its credential helper)",
    )
    .argument('<registry>', 'e.g. localhost:5000 or registry.example.com')
    .option('-u, --username <user>', 'user name (asked for on a terminal when left out)')
    .option(
      '-p, --password <password>',
      'the password (visible to other users of the machine: prefer --password-stdin)',
    )
    .option(
      '--password-stdin',
      'read the password from stdin (otherwise it is asked for on the terminal, never echoed)',
    )
    .action(async (registry, options, command) => {
      // The program's own --username/--password take the long forms wherever they stand.
      const all = command.optsWithGlobals() as { username?: string; password?: string };
      const { username, password } = await askCredentials(
        options.username ?? all.username,
        options.passwordStdin === true,
        options.password ?? all.password,
      );
      const { login } = await import('../../transports/registry/auth/index.ts');
      // The command's own -u/-p are the credentials to save, not credentials to use.
      const { tlsVerify, certDir, authFile, registriesConf } = transportOptions(command, undefined, {
        credentials: false,
      });
      await login(registry, username, password, {
        ...(tlsVerify !== undefined ? { tlsVerify } : {}),
        ...(certDir !== undefined ? { certDir } : {}),
        ...(authFile !== undefined ? { authFile } : {}),
        ...(registriesConf !== undefined ? { registriesConf } : {}),
      });
      log(`logged in to ${registry} as ${username}`);
    });
}

/** Registers `logout`: removes the saved credentials of a registry (from `--authfile` when given). */
export function logoutCommand() {
  return new Command('logout')
    .description('remove the saved credentials of a registry')
    .argument('<registry>', 'e.g. localhost:5000')
    .action(async (registry, _options, command) => {
      const { logout } = await import('../../transports/registry/auth/index.ts');
      const { authFile, registriesConf } = transportOptions(command, undefined, { credentials: false });
      const removed = await logout(registry, {
        ...(authFile !== undefined ? { authFile } : {}),
        ...(registriesConf !== undefined ? { registriesConf } : {}),
      });
      log(removed ? `removed the credentials of ${registry}` : `no credentials were saved for ${registry}`);
    });
}
