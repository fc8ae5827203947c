/**
 * `ocikit discover IMAGE [--artifact-type T] [--json]`: the tree of what refers to an image,
 * recursively, drawn as `oras discover` draws it (or as JSON).
 */
import { Command } from '@commander-js/extra-typings';
import { noteAssumedTag } from '../assumed-tag.ts';
import { transportOptions } from '../context.ts';
import { writeJson, writeLine } from '../output.ts';
import { commandSignal } from '../signal.ts';

/** Registers `discover`. */
export function discoverCommand() {
  return new Command('discover')
    .description("show the tree of an image's referrers (signatures, SBOMs, attestations), recursively")
    .argument('<image>', 'image name, e.g. localhost:5000/app:1 or oci:./layout:app')
    .option('--artifact-type <type>', 'only referrers of this artifact type')
    .option('--json', 'print the tree as JSON')
    .action(async (name, options, command) => {
      const { discoverReferrers, referrersTree } = await import('../../trust/index.ts');
      await noteAssumedTag(name, command);
      const tree = await discoverReferrers(name, {
        ...transportOptions(command),
        ...(options.artifactType !== undefined ? { artifactType: options.artifactType } : {}),
        signal: commandSignal(),
      });
      if (options.json === true) await writeJson(tree);
      else await writeLine(referrersTree(tree));
    });
}
