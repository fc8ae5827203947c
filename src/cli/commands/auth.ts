/** `ocikit login REGISTRY -u USER --password-stdin` and `ocikit logout REGISTRY`. */
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

/** Registers `login`: verifies credentials against the registry, then saves them (Docker's config.json or its helper). */
export function loginCommand() {
  return new Command('login')
    .description(
      "log in to a registry: the credentials are checked, then saved in Docker's config.json (or its credential helper)",
    )
    .argument('<registry>', 'e.g. localhost:5000 or registry.example.com')
    .requiredOption('-u, --username <user>', 'user name')
    .option('--password-stdin', 'read the password from stdin (the only way: never on the command line)')
    .action(async (registry, options, command) => {
      if (!options.passwordStdin) throw new UsageError('pass the password on stdin with --password-stdin');
      const password = await readStdin();
      if (password === '') throw new UsageError('the password read from stdin is empty');
      const { login } = await import('../../transports/registry/auth/index.ts');
      await login(registry, options.username, password, { insecure: transportOptions(command).insecure });
      log(`logged in to ${registry} as ${options.username}`);
    });
}

/** Registers `logout`: removes the saved credentials of a registry. */
export function logoutCommand() {
  return new Command('logout')
    .description('remove the saved credentials of a registry')
    .argument('<registry>', 'e.g. localhost:5000')
    .action(async (registry) => {
      const { logout } = await import('../../transports/registry/auth/index.ts');
      const removed = await logout(registry);
      log(removed ? `removed the credentials of ${registry}` : `no credentials were saved for ${registry}`);
    });
}
