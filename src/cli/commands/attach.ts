/**
 * `ocikit attach IMAGE --artifact-type TYPE [--annotation K=V] FILE[:MEDIATYPE]...`: push files
 * as an OCI 1.1 artifact whose `subject` is the image; prints it pinned by digest.
 */
import { Command } from '@commander-js/extra-typings';
import { noteAssumedTag } from '../assumed-tag.ts';
import { transportOptions } from '../context.ts';
import { log, writeLine } from '../output.ts';
import { commandSignal } from '../signal.ts';
import { annotationFlags } from './sign.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Registers `attach`. */
export function attachCommand() {
  return new Command('attach')
    .description('attach files (an SBOM, a provenance document, ...) to an image as an OCI 1.1 referrer')
    .argument('<image>', 'image name, e.g. localhost:5000/app:1 or oci:./layout:app')
    .argument('[files...]', 'files to attach, each FILE or FILE:MEDIATYPE')
    .requiredOption('--artifact-type <type>', 'the artifact type, e.g. application/spdx+json')
    .option('--annotation <KEY=VALUE>', 'an annotation of the artifact manifest (repeatable)', collect)
    .action(async (name, files, options, command) => {
      const annotations = annotationFlags(options.annotation, '--annotation');
      const { attachArtifact, parseAttachFile } = await import('../../trust/index.ts');
      await noteAssumedTag(name, command);
      const result = await attachArtifact(name, options.artifactType, files.map(parseAttachFile), {
        ...transportOptions(command),
        ...(annotations !== undefined ? { annotations } : {}),
        signal: commandSignal(),
      });
      log(`attached ${options.artifactType} to ${result.subject}`);
      await writeLine(result.reference);
    });
}
