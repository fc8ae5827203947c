/** `ocikit manifest IMAGE [--platform P]` (crane manifest): the exact bytes of the manifest or index. */
import { Command } from '@commander-js/extra-typings';
import { openImage, openTop } from '../../image/image.ts';
import { withSource } from '../context.ts';
import { writeBytes } from '../output.ts';

/** Registers `manifest`: the same as `inspect --raw`. */
export function manifestCommand() {
  return new Command('manifest')
    .description('print the exact bytes of the manifest (or index) of an image')
    .argument('<image>', 'image name')
    .option('--platform <os/arch[/variant]>', "print that platform's manifest from an index")
    .action(async (name, options, command) =>
      withSource(name, command, async (source) => {
        const target =
          options.platform === undefined
            ? await openTop(source)
            : await openImage(source, { platform: options.platform });
        await writeBytes(target.document.bytes);
      }),
    );
}
