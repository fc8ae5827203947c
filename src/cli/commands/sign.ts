/** `ocikit sign IMAGE --key KEY [--annotation K=V] [--format tag|bundle]`: sign the manifest digest, as cosign. */
import { readFile } from 'node:fs/promises';
import { Command, Option } from '@commander-js/extra-typings';
import { toOciError } from '../../errors/index.ts';
import { noteAssumedTag } from '../assumed-tag.ts';
import { transportOptions } from '../context.ts';
import { parseKeyValues } from '../key-values.ts';
import { log, writeLine } from '../output.ts';
import { commandSignal } from '../signal.ts';
import { keyPassword } from './key.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `--annotation KEY=VALUE` flags as a record (see parseKeyValues). */
export { parseKeyValues as annotationFlags } from '../key-values.ts';

/** Reads a key file, its errors as OciErrors naming the file. */
export async function readKeyFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw toOciError(err);
  }
}

/** Registers `sign`. */
export function signCommand() {
  return new Command('sign')
    .description(
      "sign an image's manifest digest with a cosign key: a simple-signing payload in the sha256-HEX.sig manifest (tag), or a sigstore bundle attached as a referrer (bundle)",
    )
    .argument('<image>', 'image name, e.g. localhost:5000/app:1 or oci:./layout:app')
    .requiredOption(
      '--key <file>',
      `the private key (cosign.key); its password from $COSIGN_PASSWORD or asked for`,
    )
    .option('--annotation <KEY=VALUE>', 'an annotation signed with the digest (repeatable)', collect)
    .addOption(
      new Option('--format <format>', 'tag: the .sig tag scheme; bundle: a sigstore bundle referrer')
        .choices(['tag', 'bundle'] as const)
        .default('tag' as const),
    )
    .option(
      '--sign-container-identity <name>',
      'tag scheme: the docker-reference the signature claims (default: the repository; for a layout, its tag)',
    )
    .action(async (name, options, command) => {
      const annotations = parseKeyValues(options.annotation, '--annotation');
      const keyText = await readKeyFile(options.key);
      const { keySigner, readPrivateKey, signImage } = await import('../../trust/index.ts');
      const key = await readPrivateKey(keyText, await keyPassword(false), options.key);
      await noteAssumedTag(name, command);
      const result = await signImage(name, keySigner(key), {
        ...transportOptions(command),
        format: options.format,
        ...(annotations !== undefined ? { annotations } : {}),
        ...(options.signContainerIdentity !== undefined ? { identity: options.signContainerIdentity } : {}),
        signal: commandSignal(),
      });
      log(
        result.format === 'tag'
          ? `signed ${result.digest}: ${result.signatures} signature(s) in ${result.tag}`
          : `signed ${result.digest}: a sigstore bundle referrer`,
      );
      await writeLine(result.reference);
    });
}
