/** `ocikit flatten IMAGE -t DST`: one layer per image, history kept as one entry (crane flatten). */
import { Command, Option } from '@commander-js/extra-typings';
import { copyImage } from '../../copy/index.ts';
import { openTop } from '../../image/image.ts';
import { flatten } from '../../mutate/flatten-image.ts';
import { printWritten, withSink, withSource } from '../context.ts';
import { commandSignal } from '../signal.ts';

/** Registers `flatten`. */
export function flattenCommand() {
  return new Command('flatten')
    .description('squash an image (or every image of an index) into one layer and write the result')
    .argument('<image>', 'image name')
    .requiredOption('-t, --tag <destination>', 'where to write the new image')
    .addOption(
      new Option('--compression <kind>', 'compression of the new layer')
        .choices(['gzip', 'zstd', 'none'] as const)
        .default('gzip' as const),
    )
    .action(async (name, options, command) => {
      const signal = commandSignal();
      await withSource(name, command, async (source) => {
        const flat = await flatten(await openTop(source, { signal }), {
          compression: options.compression,
          signal,
        });
        try {
          const node = flat.result;
          await withSink(options.tag, command, async (sink) =>
            printWritten(
              options.tag,
              (await copyImage(node.source, sink, { allPlatforms: node.kind === 'index', signal })).digest,
            ),
          );
        } finally {
          await flat.dispose();
        }
      });
    });
}
