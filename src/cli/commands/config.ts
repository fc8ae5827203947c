/** `ocikit config IMAGE [--platform P]` (crane config): the exact bytes of the image config. */
import { Command } from '@commander-js/extra-typings';
import { openImage } from '../../image/image.ts';
import { withSource } from '../context.ts';
import { writeBytes } from '../output.ts';

/** Registers `config`: the same as `inspect --config --raw` (an index: the host's platform, or `--platform`). */
export function configCommand() {
  return new Command('config')
    .description('print the exact bytes of the config of an image')
    .argument('<image>', 'image name')
    .option('--platform <os/arch[/variant]>', 'the image to pick from an index')
    .action(async (name, options, command) =>
      withSource(name, command, async (source) => {
        const image = await openImage(source, { platform: options.platform });
        await writeBytes((await image.config()).bytes);
      }),
    );
}
