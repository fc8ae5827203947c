/** GPG keys for the simple-signing tests: a temp GNUPGHOME with keys made by `gpg --quick-gen-key`. */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { run } from '../helpers/exec.ts';

const execFileAsync = promisify(execFile);

/** A key in a test keyring: its fingerprint and its exported public key file. */
export interface TestGpgKey {
  fingerprint: string;
  publicKeyPath: string;
}

/** Makes a keyring folder under `dir` (mode 0700, as gpg wants). */
export async function gpgHome(dir: string): Promise<string> {
  const home = join(dir, 'gnupg');
  await mkdir(home, { recursive: true, mode: 0o700 });
  return home;
}

/** Generates a signing key without passphrase for `email` in `home`; exports its public key beside it. */
export async function generateGpgKey(home: string, email: string): Promise<TestGpgKey> {
  const env = { GNUPGHOME: home };
  await run(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--quick-gen-key',
      `Test <${email}>`,
      'default',
      'default',
      'never',
    ],
    { env },
  );
  const listed = await run('gpg', ['--batch', '--with-colons', '--list-secret-keys', email], { env });
  const fpr = listed.split('\n').find((l) => l.startsWith('fpr:'));
  const fingerprint = fpr?.split(':')[9] ?? '';
  const publicKeyPath = join(home, `${email}.pub`);
  await writeFile(publicKeyPath, await run('gpg', ['--batch', '--armor', '--export', fingerprint], { env }));
  return { fingerprint, publicKeyPath };
}

/** Stops the gpg-agent a test keyring started. */
export async function stopGpgAgent(home: string): Promise<void> {
  await execFileAsync('gpgconf', ['--homedir', home, '--kill', 'all']).catch(() => undefined);
}

/** A policy.json requiring signedBy `keyPath` for every docker image (other transports accepted). */
export function signedByPolicy(keyPath: string, signedIdentity?: object): string {
  return JSON.stringify({
    default: [{ type: 'insecureAcceptAnything' }],
    transports: {
      docker: {
        '': [
          { type: 'signedBy', keyType: 'GPGKeys', keyPath, ...(signedIdentity ? { signedIdentity } : {}) },
        ],
      },
    },
  });
}
