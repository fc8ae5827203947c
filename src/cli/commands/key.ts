/**
 * `ocikit key generate [--output-prefix NAME]`: a cosign key pair, `NAME.key` (encrypted, mode
 * 0600) and `NAME.pub`, in the working folder; and the password rule the trust commands share:
 * `COSIGN_PASSWORD` when set (even empty, as cosign), else asked on the terminal without echo.
 */

import { randomBytes } from 'node:crypto';
import { link, unlink, writeFile } from 'node:fs/promises';
import { Command } from '@commander-js/extra-typings';
import { ErrorCode, OciError, toOciError } from '../../errors/index.ts';
import { log } from '../output.ts';
import { UsageError } from '../run.ts';

/** The environment variable cosign reads the key password from. */
export const PASSWORD_VARIABLE = 'COSIGN_PASSWORD';

/**
 * The key password: `$COSIGN_PASSWORD` when set; else asked on the terminal without echo (twice
 * when `confirm`, as for a new key). A UsageError when neither is possible or the two differ.
 */
export async function keyPassword(confirm: boolean): Promise<string> {
  const fromEnv = process.env[PASSWORD_VARIABLE];
  if (fromEnv !== undefined) return fromEnv;
  const { canPrompt, promptSecret } = await import('../password-prompt.ts');
  if (!canPrompt()) {
    throw new UsageError(
      `set ${PASSWORD_VARIABLE} to the key password (or run on a terminal to be asked for it)`,
    );
  }
  const password = await promptSecret('Enter password for private key: ');
  if (confirm && (await promptSecret('Enter password for private key again: ')) !== password) {
    throw new UsageError('the two passwords differ');
  }
  return password;
}

/**
 * Writes `content` to `path` only if nothing is there (ALREADY_EXISTS otherwise): a temp file in
 * the same folder, hard-linked into place, so the file appears whole or not at all.
 */
async function writeNew(path: string, content: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, content, { mode, flag: 'wx' });
  try {
    await link(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new OciError(ErrorCode.ALREADY_EXISTS, `${path} already exists; it is left as it is`, {
        data: { path },
      });
    }
    throw toOciError(err);
  } finally {
    await unlink(temp).catch(() => {});
  }
}

/** Registers `key` (with `key generate`). */
export function keyCommand() {
  const key = new Command('key').description('cosign key pairs');
  key
    .command('generate')
    .description(
      `write a cosign key pair: NAME.key (ECDSA P-256, encrypted with the password from $${PASSWORD_VARIABLE} or asked for) and NAME.pub`,
    )
    .option('--output-prefix <name>', 'the file names before .key and .pub', 'cosign')
    .action(async (options) => {
      const prefix = options.outputPrefix;
      if (prefix === '' || prefix.includes('\0')) throw new UsageError('--output-prefix needs a file name');
      const password = await keyPassword(true);
      const { generateKeyPair } = await import('../../trust/index.ts');
      const pair = await generateKeyPair(password);
      const keyFile = `${prefix}.key`;
      const pubFile = `${prefix}.pub`;
      await writeNew(keyFile, pair.privateKey, 0o600);
      try {
        await writeNew(pubFile, pair.publicKey, 0o644);
      } catch (err) {
        await unlink(keyFile).catch(() => {});
        throw err;
      }
      log(`Private key written to ${keyFile}`);
      log(`Public key written to ${pubFile}`);
    });
  return key;
}
