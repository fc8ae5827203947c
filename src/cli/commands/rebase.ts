/** `ocikit rebase IMAGE --old-base OLD --new-base NEW -t DST`: swap an image's base layers (crane rebase). */
import { Command } from '@commander-js/extra-typings';
import { copyImage } from '../../copy/index.ts';
import { openTop } from '../../image/image.ts';
import { rebase } from '../../mutate/rebase.ts';
import { printWritten, withSink, withSource } from '../context.ts';
import { commandSignal } from '../signal.ts';

/** Registers `rebase`. */
export function rebaseCommand() {
  return new Command('rebase')
    .description(
      "replace the old base's layers at the bottom of an image (or of every image of an index) with the new base's",
    )
    .argument('<image>', 'image name')
    .requiredOption('--old-base <image>', 'the base the image was built on (its layers must be the lowest)')
    .requiredOption('--new-base <image>', 'the base to put under the image instead')
    .requiredOption('-t, --tag <destination>', 'where to write the new image')
    .action(async (name, options, command) => {
      const signal = commandSignal();
      await withSource(name, command, (source) =>
        withSource(options.oldBase, command, (oldSource) =>
          withSource(options.newBase, command, async (newSource) => {
            const node = await rebase(
              await openTop(source, { signal }),
              {
                oldBase: await openTop(oldSource, { signal }),
                newBase: await openTop(newSource, { signal }),
              },
              { signal },
            );
            await withSink(options.tag, command, async (sink) =>
              printWritten(
                options.tag,
                (await copyImage(node.source, sink, { allPlatforms: node.kind === 'index', signal })).digest,
              ),
            );
          }),
        ),
      );
    });
}
