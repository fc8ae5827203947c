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

/**
 * Generates a signing key for `email` in `home`, protected by `passphrase` (none by default);
 * exports its public key beside it.
 */
export async function generateGpgKey(home: string, email: string, passphrase = ''): Promise<TestGpgKey> {
  const env = { GNUPGHOME: home };
  await run(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      passphrase,
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

/**
 * skopeo's pull of `image` from a plain-HTTP registry under the policy file `policyPath` and the
 * registries.d folder `registriesD` (into a new layout under `scratch`; an oci: layout holds no
 * simple signatures, the policy is checked all the same): whether it was accepted, and why not.
 */
export async function skopeoPullSigned(
  image: string,
  policyPath: string,
  registriesD: string,
  scratch: string,
): Promise<{ ok: boolean; stderr: string }> {
  try {
    await run('skopeo', [
      '--policy',
      policyPath,
      '--registries.d',
      registriesD,
      'copy',
      '--quiet',
      '--remove-signatures',
      '--src-tls-verify=false',
      `docker://${image}`,
      `oci:${join(scratch, `pulled-${Math.random().toString(36).slice(2)}`)}:x`,
    ]);
    return { ok: true, stderr: '' };
  } catch (err) {
    return { ok: false, stderr: (err as Error).message };
  }
}

/** Whether skopeo accepts pulling `image` (see {@link skopeoPullSigned}). */
export async function skopeoAcceptsSigned(
  image: string,
  policyPath: string,
  registriesD: string,
  scratch: string,
): Promise<boolean> {
  return (await skopeoPullSigned(image, policyPath, registriesD, scratch)).ok;
}
