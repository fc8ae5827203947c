/** `ocikit digest IMAGE [--platform P]`: print the manifest (or index) digest. */
import { Command } from '@commander-js/extra-typings';
import { openImage } from '../../image/image.ts';
import { withSource } from '../context.ts';
import { writeLine } from '../output.ts';

/** Registers `digest`. */
export function digestCommand(): Command<[string], { platform?: string }> {
  return new Command('digest')
    .description('print the digest of the manifest or index an image name points to')
    .argument('<image>', 'image name')
    .option('--platform <os/arch[/variant]>', 'print the digest of the manifest for this platform')
    .action(async (name, options, command) =>
      withSource(name, command, async (source) => {
        if (options.platform === undefined) return writeLine((await source.resolve()).digest);
        return writeLine((await openImage(source, { platform: options.platform })).descriptor.digest);
      }),
    );
}
