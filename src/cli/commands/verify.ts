/**
 * `ocikit verify IMAGE --key PUB [--annotation K=V] [--json]`: check every cosign signature of
 * the image's digest (tag scheme and bundle referrers); exit 0 only when one is valid.
 */
import { Command } from '@commander-js/extra-typings';
import { ErrorCode, isOciError } from '../../errors/index.ts';
import { noteAssumedTag } from '../assumed-tag.ts';
import { transportOptions } from '../context.ts';
import { log, writeJson, writeLine } from '../output.ts';
import { UsageError } from '../run.ts';
import { commandSignal } from '../signal.ts';
import { enforceImagePolicy } from '../trust-policy.ts';
import { annotationFlags, readKeyFile } from './sign.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The outcome as printed: the digest, each verified payload, each rejection and why. */
interface Report {
  digest: string;
  verified: { format: string; source: string; payload: unknown }[];
  rejected: { format: string; source: string; reason: string; message: string }[];
}

async function print(report: Report, json: boolean): Promise<void> {
  if (json) return writeJson(report);
  for (const r of report.rejected)
    log(`rejected ${r.format} signature ${r.source}: ${r.reason}: ${r.message}`);
  if (report.verified.length === 0) return;
  await writeLine(`verified ${report.digest}: ${report.verified.length} valid signature(s)`);
  for (const v of report.verified) await writeLine(`${v.format} ${v.source}: ${JSON.stringify(v.payload)}`);
}

/** Checks `name` against the policy file `policy`; returns the digest accepted. */
async function verifyPolicy(
  name: string,
  policy: string,
  registriesD: string | undefined,
  command: { optsWithGlobals(): object },
): Promise<string> {
  const { openSource } = await import('../../transports/index.ts');
  const options = { ...transportOptions(command), signal: commandSignal() };
  const source = await openSource(name, options);
  try {
    const { digest } = await source.resolve({ signal: options.signal });
    await enforceImagePolicy(
      name,
      digest,
      { policy, ...(registriesD !== undefined ? { registriesD } : {}) },
      options,
    );
    return digest;
  } finally {
    await source.close();
  }
}

/** Registers `verify`. */
export function verifyCommand() {
  return new Command('verify')
    .description(
      "verify an image's cosign signatures (the .sig tag scheme and sigstore bundle referrers) against a public key; they are bound to the manifest digest, not the name",
    )
    .argument('<image>', 'image name, e.g. localhost:5000/app:1 or oci:./layout:app')
    .option('--key <file>', 'the public key (cosign.pub)')
    .option('--policy <file>', 'check the image against this policy.json instead of one key')
    .option('--registries.d <dir>', 'the registries.d folder saying where simple signatures are stored')
    .option(
      '--annotation <KEY=VALUE>',
      'an annotation every accepted signature must have signed (repeatable)',
      collect,
    )
    .option('--json', 'print the digest, the verified payloads and the rejections as JSON')
    .action(async (name, options, command) => {
      if (options.policy !== undefined) {
        if (options.key !== undefined) throw new UsageError('--key and --policy exclude each other');
        await noteAssumedTag(name, command);
        const digest = await verifyPolicy(name, options.policy, options['registries.d'], command);
        await writeLine(`${name}: ${digest} is accepted by ${options.policy}`);
        return;
      }
      if (options.key === undefined) throw new UsageError('verify needs --key or --policy');
      const annotations = annotationFlags(options.annotation, '--annotation');
      const keyText = await readKeyFile(options.key);
      const { readPublicKey, verifyImage } = await import('../../trust/index.ts');
      const key = readPublicKey(keyText, options.key);
      await noteAssumedTag(name, command);
      const json = options.json === true;
      try {
        const result = await verifyImage(name, key, {
          ...transportOptions(command),
          ...(annotations !== undefined ? { annotations } : {}),
          signal: commandSignal(),
        });
        await print(result, json);
      } catch (err) {
        if (isOciError(err, ErrorCode.SIGNATURE_INVALID) && Array.isArray(err.data.rejected)) {
          await print(
            {
              digest: String(err.data.digest),
              verified: [],
              rejected: err.data.rejected as Report['rejected'],
            },
            json,
          );
        }
        throw err;
      }
    });
}
